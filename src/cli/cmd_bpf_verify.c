/* moat bpf verify: prove a program safe, or explain why not. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"
#include "util/json.h"

const char cmd_bpf_verify_usage[] =
	"usage: moat bpf verify FILE.{s,bin,o} [--section NAME] [--type TYPE] [--log[=N]]\n"
	"                       [--mem-len N] [--kernel-rules] [--max-insns N] [--json]\n"
	"\n"
	"Prove that the program in FILE (an ELF object, assembly when the name ends in\n"
	"  .s, raw bytecode otherwise) is safe to run: every path is followed with the\n"
	"types and value ranges of registers and stack slots, so that every memory\n"
	"access stays inside the stack, the context, a map value, a ring-buffer record\n"
	"or packet bytes proven by a bounds check; NULL results are tested before use;\n"
	"helpers get the arguments their prototypes demand; reserved ring-buffer\n"
	"records are released; loops end (the analysis stops after 1,000,000\n"
	"instructions processed); r0 holds a number the program type may return.\n"
	"\n"
	"On success prints 'ok: ...' with the analysis statistics.  On rejection\n"
	"prints the instruction, the rule broken in plain words, the source line when\n"
	"the object has line info, and the jumps taken on the path that leads there.\n"
	"\n"
	"  --section NAME   ELF: the program with this section or function name\n"
	"  --type TYPE      program type: mem (default for .s and .bin), socket, xdp, tc,\n"
	"                   cgroup_skb, cgroup_device, tracepoint, raw_tracepoint, seccomp\n"
	"  --log[=N]        1 (default): the summary and, on rejection, the state at the\n"
	"                   failing instruction; 2: the state before every instruction\n"
	"  --mem-len N      mem programs: the length of the buffer r1 points to (the\n"
	"                   verifier proves accesses against it; default 0)\n"
	"  --kernel-rules   also apply the kernel's limits (on by default for every\n"
	"                   type but mem): constant shifts below the width, 512 bytes\n"
	"                   of stack for the whole call chain, no division by constant\n"
	"                   zero, no unreachable instructions, direct map-value access\n"
	"                   only to single-entry arrays\n"
	"  --max-insns N    stop the analysis after N processed instructions\n"
	"  --json           print {\"ok\":true,\"insns\":N,...statistics} or {\"ok\":false,\n"
	"                   \"insn\":N,\"error\":\"...\",\"source\":{\"file\",\"line\",\"text\"},\n"
	"                   \"path\":[[from,to],...]}; with --log, a \"log\" field\n"
	"\n"
	"Exit status: 0 accepted, 1 rejected or unreadable, 2 usage error.\n";

static const struct cli_cmd verify_cmd = { "bpf verify", NULL, cmd_bpf_verify_usage, NULL, NULL };

static void sink_sbuf(void *arg, const char *text, size_t len)
{
	sbuf_put(arg, text, len);
}

static int report(bool json, const struct moat_prog *prog, int r, const struct moat_verify_stats *st,
		  const struct moat_error *err, const struct sbuf *log)
{
	size_t n = 0;
	if (prog)
		moat_prog_insns(prog, &n);
	if (!json) {
		if (log->len)
			fputs(sbuf_str(log), stdout);
		if (r < 0)
			return cli_fail_err("bpf verify", err);
		printf("ok: %zu instructions, %u function%s, %llu processed, %llu states stored, "
		       "%llu pruned, %u bytes of stack\n", n, st->funcs, st->funcs == 1 ? "" : "s",
		       (unsigned long long)st->insns_processed, (unsigned long long)st->states_stored,
		       (unsigned long long)st->states_pruned, st->stack_depth);
		return EXIT_OK;
	}
	struct sbuf b = { 0 };
	struct json j = { .out = &b };
	json_obj(&j);
	json_kbool(&j, "ok", r == 0);
	if (r == 0) {
		json_kuint(&j, "insns", n);
		json_kuint(&j, "funcs", st->funcs);
		json_kuint(&j, "insns_processed", st->insns_processed);
		json_kuint(&j, "states_stored", st->states_stored);
		json_kuint(&j, "states_pruned", st->states_pruned);
		json_kuint(&j, "stack_depth", st->stack_depth);
	} else {
		if (err->insn >= 0)
			json_kint(&j, "insn", err->insn);
		json_kstr(&j, "error", err->msg);
		const struct moat_line_info *li =
			prog && err->insn >= 0 ? moat_prog_line_info(prog, (size_t)err->insn) : NULL;
		if (li && li->line) {
			json_key(&j, "source");
			json_obj(&j);
			json_kstr(&j, "file", li->file ? li->file : "");
			json_kuint(&j, "line", li->line);
			if (li->text)
				json_kstr(&j, "text", li->text);
			json_end(&j);
		}
		json_key(&j, "path");
		json_arr(&j);
		for (uint32_t k = 0; k < st->path_len; k++) {
			json_arr(&j);
			json_uint(&j, st->path[k][0]);
			json_uint(&j, st->path[k][1]);
			json_end(&j);
		}
		json_end(&j);
	}
	if (log->len)
		json_kstr(&j, "log", sbuf_str(log));
	json_end(&j);
	printf("%s\n", sbuf_str(&b));
	sbuf_release(&b);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_bpf_verify(int argc, char **argv)
{
	if (cli_wants_help(&verify_cmd, argc, argv))
		return EXIT_OK;
	static const struct option opts[] = {
		CLI_PROG_OPTIONS,
		{ "json", no_argument, NULL, 'J' },
		{ "log", optional_argument, NULL, 'l' },
		{ "mem-len", required_argument, NULL, 'm' },
		{ "kernel-rules", no_argument, NULL, 'k' },
		{ "max-insns", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_prog_opts po = { 0 };
	bool json = false;
	struct sbuf log = { 0 };
	MOAT_OPTS(moat_verify_opts, vo, .log = { sink_sbuf, &log });
	struct moat_error err;
	moat_error_clear(&err);
	int c, taken;
	uint64_t v;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((taken = cli_prog_option(&verify_cmd, c, optarg, &po)) < 0)
			return EXIT_USAGE;
		if (taken)
			continue;
		switch (c) {
		case 'J': json = true; break;
		case 'k': vo.kernel_rules = true; break;
		case 'l':
			if (!optarg) {
				vo.log_level = 1;
			} else if (!cli_parse_u64(optarg, 2, &v)) {
				return cli_usage(&verify_cmd, "--log takes 0, 1 or 2, not '%s'", optarg);
			} else {
				vo.log_level = (int)v;
			}
			break;
		case 'm':
			if (!cli_parse_u64(optarg, UINT32_MAX, &v))
				return cli_usage(&verify_cmd, "--mem-len takes a byte count, not '%s'", optarg);
			vo.mem_len = v;
			break;
		case 'x':
			if (!cli_parse_u64(optarg, UINT32_MAX, &v) || v == 0)
				return cli_usage(&verify_cmd, "--max-insns takes a positive count, not '%s'",
						 optarg);
			vo.max_insns = (uint32_t)v;
			break;
		default:
			return cli_usage(&verify_cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(&verify_cmd, optind == argc ? "missing FILE" : "too many arguments");
	struct cli_prog cp;
	cli_bpf_load_opts(argv[optind], &po, &cp, &err);
	struct moat_prog *prog = cp.prog;
	struct moat_verify_stats st = { 0 };
	int r = prog ? moat_verify(prog, &vo, &st, &err) : -1;
	int rc = report(json, prog, r, &st, &err, &log);
	sbuf_release(&log);
	cli_prog_release(&cp);
	return rc;
}
