/* moat bpf verify: prove a program safe, or explain why not. */
#include <stdlib.h>
#include <string.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"
#include "util/json.h"

const char cmd_bpf_verify_usage[] =
	"usage: moat bpf verify FILE.{s,bin,o} [--section NAME] [--type TYPE] [--json]\n"
	"\n"
	"Verify the program in FILE (an ELF object, assembly when the name ends in\n"
	"  .s, raw bytecode otherwise).  Prints 'ok: N instructions, F functions', or\n"
	"the rejected instruction and the reason.\n"
	"\n"
	"Today the verifier checks structure: opcodes and reserved fields, registers,\n"
	"jump and call targets, lddw pairs, the end of the program, registers read\n"
	"before they are written, helper ids.  Memory safety is enforced at run time\n"
	"by the checked interpreter until the abstract interpreter lands.\n"
	"\n"
	"  --section NAME  ELF: the program with this section or function name\n"
	"  --type TYPE     program type (default: the ELF section's, else mem)\n"
	"  --json          print {\"ok\":true,...} or {\"ok\":false,\"insn\":N,\"error\":\"...\"}\n"
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
		{ "section", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	enum moat_prog_type type = MOAT_PROG_MEM;
	bool json = false, type_set = false;
	const char *section = NULL;
	struct moat_error err;
	moat_error_clear(&err);
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't') {
			if (moat_prog_type_parse(optarg, &type, &err) < 0)
				return cli_usage(&verify_cmd, "%s", err.msg);
			type_set = true;
		} else if (c == 'S') {
			section = optarg;
		} else if (c == 'J') {
			json = true;
		} else {
			return cli_usage(&verify_cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(&verify_cmd, optind == argc ? "missing FILE" : "too many arguments");
	struct cli_prog cp;
	cli_bpf_load(argv[optind], section, type_set ? &type : NULL, &cp, &err);
	struct moat_prog *prog = cp.prog;
	struct moat_verify_stats st = { 0 };
	int r = prog ? moat_verify(prog, NULL, &st, &err) : -1;
	int rc = report(json, prog, r, &st, &err);
	cli_prog_release(&cp);
	return rc;
}
