/* moat seccomp: compile seccomp profiles, show them, and ask what they decide. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/json.h"

#define BUILTIN "@docker-default"

#define PROFILE_HELP \
	"PROFILE is a file in moat's text format or Docker/OCI JSON (told apart by a\n" \
	"  leading '{'), '-' for standard input, or @docker-default for the profile\n" \
	"  built into moat (Docker's default for amd64, with its capability\n" \
	"  conditions).  docs/seccomp.md describes both formats.\n" \
	"\n" \
	"  --caps LIST      the capabilities the container keeps, for JSON\n" \
	"                   includes/excludes and the text format's 'with CAP' /\n" \
	"                   'without CAP' rules (comma-separated, 'all' or 'none';\n" \
	"                   default: Docker's 14 default capabilities); show also\n" \
	"                   takes 'keep', which prints the conditions unresolved\n" \
	"  --kernel X.Y     JSON: the kernel version for \"minKernel\" (default: the\n" \
	"                   running kernel)\n"

static const char compile_usage[] =
	"usage: moat seccomp compile PROFILE [-d] [-o FILE] [--json] [--caps LIST] [--kernel X.Y]\n"
	"\n"
	"Compile a seccomp profile to the classic BPF program the kernel runs on\n"
	"every system call, for x86-64: other architectures and x32 calls kill the\n"
	"process, a balanced search over syscall numbers leads to the rules' actions,\n"
	"argument rules compare the 64-bit arguments, and numbers above moat's syscall\n"
	"table get ENOSYS (unless the default action allows) so libc falls back as on\n"
	"an older kernel.  The program is checked as the kernel checks it and proven\n"
	"by moat's verifier.  Prints the instruction count and the worst-case path.\n"
	"\n"
	"  -d               print the program as tcpdump -d does\n"
	"  -o FILE          write the program as raw struct sock_filter[] to FILE\n"
	"  --json           print {\"insns\":N,\"worst_path\":N,\"syscalls\":N,\"ranges\":N,\n"
	"                   \"program\":[[code,jt,jf,k],...]}\n"
	"\n" PROFILE_HELP "\nExit status: 0 compiled, 1 bad profile, 2 usage error.\n";

static const char test_usage[] =
	"usage: moat seccomp test PROFILE SYSCALL [ARG...] [--json] [--caps LIST] [--kernel X.Y]\n"
	"\n"
	"Say what the profile's filter does with one system call: compile it, run it\n"
	"in moat's VM on the call (x86-64; SYSCALL a name like 'openat' or a number,\n"
	"up to six ARGs as numbers: decimal, 0x hex, or -N after '--'), and print\n"
	"the action ('allow', 'errno EPERM', 'kill', ...).  The answer is also checked against\n"
	"the profile's rules read directly; a disagreement is reported as an error.\n"
	"\n"
	"  --json           print {\"syscall\":\"...\",\"nr\":N,\"args\":[...],\"action\":\"...\",\n"
	"                   \"ret\":N}\n"
	"\n" PROFILE_HELP "\nExit status: 0 answered, 1 bad profile, 2 usage error.\n";

static const char show_usage[] =
	"usage: moat seccomp show PROFILE [--caps LIST] [--kernel X.Y]\n"
	"\n"
	"Print the profile in moat's text format, as moat understood it: a JSON\n"
	"profile resolved for amd64 (includes/excludes applied, names moat's table\n"
	"does not know dropped), rules in their order.  The output parses back to the\n"
	"same policy.\n"
	"\n" PROFILE_HELP "\nExit status: 0 printed, 1 bad profile, 2 usage error.\n";

static const struct cli_cmd compile_cmd = { "seccomp compile", NULL, compile_usage, NULL, NULL };
static const struct cli_cmd test_cmd = { "seccomp test", NULL, test_usage, NULL, NULL };
static const struct cli_cmd show_cmd = { "seccomp show", NULL, show_usage, NULL, NULL };

/* Options every subcommand shares, and the profile they load. */
struct sc_args {
	const char *profile;
	const char *out;
	bool disasm, json;
	struct moat_seccomp_parse_opts po;
	char **rest; /* positional arguments after PROFILE */
	int nrest;
};

static int parse_args(const struct cli_cmd *cmd, int argc, char **argv, struct sc_args *a,
		      const char *shorts)
{
	static const struct option opts[] = {
		{ "caps", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof(*a));
	a->po.sz = sizeof(a->po);
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->po.caps = optarg; break;
		case 'k': a->po.kernel = optarg; break;
		case 'J': a->json = true; break;
		case 'd': a->disasm = true; break;
		case 'o': a->out = optarg; break;
		default:
			return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage(cmd, "missing PROFILE");
	a->profile = argv[optind];
	a->rest = argv + optind + 1;
	a->nrest = argc - optind - 1;
	return EXIT_OK;
}

static struct moat_seccomp_policy *load(const struct sc_args *a, struct moat_error *err)
{
	if (!strcmp(a->profile, BUILTIN))
		return moat_seccomp_builtin(&a->po, err);
	size_t len;
	MOAT_AUTO(free) char *text = cli_read_file(a->profile, &len, err);
	if (!text)
		return NULL;
	return moat_seccomp_parse(text, len, strcmp(a->profile, "-") ? a->profile : "<stdin>",
				  &a->po, err);
}

static int write_raw(const char *path, const struct moat_cbpf_insn *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return cli_fail("seccomp compile", "%s: %s", path, strerror(errno));
	bool ok = fwrite(p, sizeof(*p), n, f) == n;
	ok &= fclose(f) == 0;
	return ok ? EXIT_OK : cli_fail("seccomp compile", "%s: write error", path);
}

static void print_json(const struct moat_cbpf_insn *p, size_t n, const struct moat_seccomp_stats *st)
{
	struct sbuf b = { 0 };
	struct json j = { .out = &b };
	json_obj(&j);
	json_kuint(&j, "insns", st->insns);
	json_kuint(&j, "worst_path", st->worst_path);
	json_kuint(&j, "syscalls", st->syscalls);
	json_kuint(&j, "ranges", st->ranges);
	json_key(&j, "program");
	json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		json_arr(&j);
		json_uint(&j, p[i].code);
		json_uint(&j, p[i].jt);
		json_uint(&j, p[i].jf);
		json_uint(&j, p[i].k);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	printf("%s\n", sbuf_str(&b));
	sbuf_release(&b);
}

int cmd_seccomp_compile(int argc, char **argv)
{
	if (cli_wants_help(&compile_cmd, argc, argv))
		return EXIT_OK;
	struct sc_args a;
	int rc = parse_args(&compile_cmd, argc, argv, &a, "do:");
	if (rc)
		return rc;
	if (a.nrest)
		return cli_usage(&compile_cmd, "too many arguments");
	struct moat_error err;
	struct moat_seccomp_policy *pol = load(&a, &err);
	if (!pol)
		return cli_fail_err("seccomp compile", &err);
	MOAT_AUTO(free) struct moat_cbpf_insn *p = NULL;
	size_t n;
	struct moat_seccomp_stats st;
	int r = moat_seccomp_compile(pol, NULL, &p, &n, &st, &err);
	moat_seccomp_policy_free(pol);
	if (r < 0)
		return cli_fail_err("seccomp compile", &err);
	if (a.out && (rc = write_raw(a.out, p, n)))
		return rc;
	if (a.json) {
		print_json(p, n, &st);
		return EXIT_OK;
	}
	for (size_t i = 0; a.disasm && i < n; i++) {
		char line[128];
		moat_cbpf_disasm_insn(p, n, i, line, sizeof(line));
		printf("%s\n", line);
	}
	printf("%zu instructions, worst path %zu, %zu syscalls with rules, %zu number ranges; "
	       "verified\n", st.insns, st.worst_path, st.syscalls, st.ranges);
	return EXIT_OK;
}

/* A syscall name or number. */
static bool parse_syscall(const char *s, int *nr)
{
	uint64_t v;
	if (cli_parse_u64(s, INT32_MAX, &v)) {
		*nr = (int)v;
		return true;
	}
	*nr = moat_syscall_number(s);
	return *nr >= 0;
}

static bool parse_arg(const char *s, uint64_t *v)
{
	if (s[0] == '-' && cli_parse_u64(s + 1, UINT64_MAX, v)) {
		*v = (uint64_t)0 - *v;
		return true;
	}
	return cli_parse_u64(s, UINT64_MAX, v);
}

static int report(const struct sc_args *a, const char *name, const struct moat_seccomp_data *d,
		  int nargs, uint32_t act)
{
	char as[64];
	moat_seccomp_action_str(act, as, sizeof(as));
	if (!a->json) {
		printf("%s(", name);
		for (int i = 0; i < nargs; i++)
			printf("%s%#llx", i ? ", " : "", (unsigned long long)d->args[i]);
		printf("): %s\n", as);
		return EXIT_OK;
	}
	struct sbuf b = { 0 };
	struct json j = { .out = &b };
	json_obj(&j);
	json_kstr(&j, "syscall", name);
	json_kint(&j, "nr", d->nr);
	json_key(&j, "args");
	json_arr(&j);
	for (int i = 0; i < nargs; i++)
		json_uint(&j, d->args[i]);
	json_end(&j);
	json_kstr(&j, "action", as);
	json_kuint(&j, "ret", act);
	json_end(&j);
	printf("%s\n", sbuf_str(&b));
	sbuf_release(&b);
	return EXIT_OK;
}

int cmd_seccomp_test(int argc, char **argv)
{
	if (cli_wants_help(&test_cmd, argc, argv))
		return EXIT_OK;
	struct sc_args a;
	int rc = parse_args(&test_cmd, argc, argv, &a, "");
	if (rc)
		return rc;
	if (a.nrest < 1)
		return cli_usage(&test_cmd, "missing SYSCALL");
	if (a.nrest > 7)
		return cli_usage(&test_cmd, "at most six arguments");
	struct moat_seccomp_data d = { .arch = MOAT_SECCOMP_ARCH_X86_64 };
	if (!parse_syscall(a.rest[0], &d.nr))
		return cli_usage(&test_cmd, "unknown syscall '%s' (an x86-64 name or a number)",
				 a.rest[0]);
	for (int i = 1; i < a.nrest; i++)
		if (!parse_arg(a.rest[i], &d.args[i - 1]))
			return cli_usage(&test_cmd, "argument %d: expected a number, not '%s'", i,
					 a.rest[i]);
	struct moat_error err;
	struct moat_seccomp_policy *pol = load(&a, &err);
	if (!pol)
		return cli_fail_err("seccomp test", &err);
	MOAT_AUTO(free) struct moat_cbpf_insn *p = NULL;
	size_t n;
	uint32_t act = 0;
	int r = moat_seccomp_compile(pol, NULL, &p, &n, NULL, &err);
	if (r == 0)
		r = moat_seccomp_run(p, n, &d, &act, &err);
	uint32_t want = moat_seccomp_policy_eval(pol, &d);
	moat_seccomp_policy_free(pol);
	if (r < 0)
		return cli_fail_err("seccomp test", &err);
	if (act != want)
		return cli_fail("seccomp test", "compiled filter returns 0x%08x but the rules say "
				"0x%08x (a compiler bug)", act, want);
	const char *name = moat_syscall_name(d.nr);
	char num[32];
	snprintf(num, sizeof(num), "syscall_%d", d.nr);
	return report(&a, name ? name : num, &d, a.nrest - 1, act);
}

int cmd_seccomp_show(int argc, char **argv)
{
	if (cli_wants_help(&show_cmd, argc, argv))
		return EXIT_OK;
	struct sc_args a;
	int rc = parse_args(&show_cmd, argc, argv, &a, "");
	if (rc)
		return rc;
	if (a.nrest)
		return cli_usage(&show_cmd, "too many arguments");
	struct moat_error err;
	struct moat_seccomp_policy *pol = load(&a, &err);
	if (!pol)
		return cli_fail_err("seccomp show", &err);
	MOAT_AUTO(free) char *text = moat_seccomp_policy_text(pol, &err);
	moat_seccomp_policy_free(pol);
	if (!text)
		return cli_fail_err("seccomp show", &err);
	fputs(text, stdout);
	return EXIT_OK;
}

const struct cli_cmd cli_seccomp_cmds[] = {
	{ "compile", "compile a profile to classic BPF, print its size", compile_usage,
	  cmd_seccomp_compile, NULL },
	{ "test", "what the filter does with one syscall (run in moat's VM)", test_usage,
	  cmd_seccomp_test, NULL },
	{ "show", "print a profile in moat's text format", show_usage, cmd_seccomp_show, NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

const char cmd_seccomp_usage[] =
	"usage: moat seccomp SUBCOMMAND [OPTIONS] PROFILE [ARGS]\n"
	"\n"
	"Seccomp profiles (moat's text format, Docker/OCI JSON) compiled to the classic\n"
	"BPF filters the kernel runs on every system call.  Run 'moat help seccomp\n"
	"SUBCOMMAND' for each subcommand's options.\n";

int cmd_seccomp(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(cmd_seccomp_usage, argc < 2 ? stderr : stdout);
		if (argc >= 2)
			fputs("\nSubcommands:\n  compile, test, show\n", stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	return cli_dispatch("seccomp: ", cli_seccomp_cmds, argc - 1, argv + 1);
}
