/* moat bpf verify: prove a program safe, or explain why not. */
#include <stdlib.h>
#include <string.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"
#include "util/json.h"

const char cmd_bpf_verify_usage[] =
	"usage: moat bpf verify FILE [--type TYPE] [--json]\n"
	"\n"
	"Verify the program in FILE (assembly when it ends in .s, raw bytecode\n"
	"otherwise).  Prints 'ok: N instructions, F functions', or the rejected\n"
	"instruction and the reason.\n"
	"\n"
	"  --type TYPE   program type (default mem)\n"
	"  --json        print {\"ok\":true,...} or {\"ok\":false,\"insn\":N,\"error\":\"...\"}\n"
	"\n"
	"Exit status: 0 accepted, 1 rejected or unreadable, 2 usage error.\n";

static const struct cli_cmd verify_cmd = { "bpf verify", NULL, cmd_bpf_verify_usage, NULL, NULL };

static int report(bool json, const struct moat_prog *prog, int r, const struct moat_verify_stats *st,
		  const struct moat_error *err)
{
	size_t n = 0;
	if (prog)
		moat_prog_insns(prog, &n);
	if (!json) {
		if (r < 0)
			return cli_fail_err("bpf verify", err);
		printf("ok: %zu instructions, %u functions\n", n, st->funcs);
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
	} else {
		if (err->insn >= 0)
			json_kint(&j, "insn", err->insn);
		json_kstr(&j, "error", err->msg);
	}
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
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	enum moat_prog_type type = MOAT_PROG_MEM;
	bool json = false;
	struct moat_error err;
	moat_error_clear(&err);
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't') {
			if (moat_prog_type_parse(optarg, &type, &err) < 0)
				return cli_usage(&verify_cmd, "%s", err.msg);
		} else if (c == 'J') {
			json = true;
		} else {
			return cli_usage(&verify_cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(&verify_cmd, optind == argc ? "missing FILE" : "too many arguments");
	struct moat_prog *prog = cli_bpf_load_prog(argv[optind], type, &err);
	struct moat_verify_stats st = { 0 };
	int r = prog ? moat_verify(prog, NULL, &st, &err) : -1;
	int rc = report(json, prog, r, &st, &err);
	moat_prog_free(prog);
	return rc;
}
