/* moat bpf conformance: run the BPF conformance suite's .data files. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

const char cmd_bpf_conformance_usage[] =
	"usage: moat bpf conformance [--jit] DIR|FILE...\n"
	"\n"
	"Run every .data test of the BPF conformance suite found in the DIRs\n"
	"(recursively, negative/ included) and FILEs.  Each program runs with\n"
	"r1 = the test's memory and r2 = its length; helper 5 returns its first\n"
	"argument.  Result tests compare all 64 bits of r0; error tests and the\n"
	"tests under negative/ pass when the program is rejected, faults, or\n"
	"does not produce the stated result.  Prints 'PASS name' or\n"
	"'FAIL name: reason' per test and a summary 'N passed, N failed'.\n"
	"\n"
	"  --jit   run in the JIT instead of the interpreter\n"
	"\n"
	"Exit status: 0 all passed, 1 some failed, 2 usage error.\n";

static const struct cli_cmd conf_cmd = { "bpf conformance", NULL, cmd_bpf_conformance_usage, NULL,
					 NULL };

struct tally {
	unsigned passed, failed;
	bool jit;
};

static uint64_t helper_first_arg(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				 struct moat_call *call)
{
	return r1;
}

/* Runs the loaded test; returns 0 with *r0 set, or an error in err. */
static int run_test(const struct moat_conf_test *t, bool jit, uint64_t *r0, struct moat_error *err)
{
	static const struct moat_helper_proto proto = {
		"conformance_unwind", MOAT_RET_INTEGER,
		{ MOAT_ARG_ANYTHING }, 0, false
	};
	struct moat_prog *prog = moat_prog_new(MOAT_PROG_MEM, t->insns, t->n_insns, err);
	struct moat_vm *vm = prog ? moat_vm_new(NULL, err) : NULL;
	struct moat_exec *exec = NULL;
	MOAT_OPTS(moat_exec_opts, eo, .mode = jit ? MOAT_EXEC_JIT : MOAT_EXEC_INTERP,
		  .mem_len = t->mem_len);
	int r = -1;
	if (vm && moat_vm_add_helper(vm, 5, &proto, helper_first_arg, NULL, err) == 0 &&
	    (exec = moat_exec_new(vm, prog, &eo, err)))
		r = moat_exec_run(exec, t->mem, t->mem_len, r0, err);
	moat_exec_free(exec);
	moat_vm_free(vm);
	moat_prog_free(prog);
	return r;
}

static void one_test(const char *path, const char *name, bool negative, struct tally *ty)
{
	struct moat_conf_test t;
	struct moat_error err;
	char buf[1200];
	moat_error_clear(&err);
	memset(&t, 0, sizeof(t));
	if (moat_conf_test_load(path, &t, &err) < 0) {
		printf("FAIL %s: %s\n", name, moat_error_str(&err, buf, sizeof(buf)));
		ty->failed++;
		return;
	}
	bool expect_fail = t.expect_error || negative;
	uint64_t r0 = 0;
	const char *why = NULL;
	int r = -1;
	if (t.asm_failed)
		err = t.asm_error;
	else if (!t.insns || !t.n_insns)
		moat_error_set(&err, EINVAL, "program has no instructions");
	else
		r = run_test(&t, ty->jit, &r0, &err);
	if (expect_fail) {
		if (r == 0 && (!t.has_result || r0 == t.result)) {
			snprintf(buf, sizeof(buf), "expected an error, got r0 = 0x%llx",
				 (unsigned long long)r0);
			why = buf;
		}
	} else if (r < 0) {
		why = moat_error_str(&err, buf, sizeof(buf));
	} else if (!t.has_result) {
		why = "test has neither a result nor an error section";
	} else if (r0 != t.result) {
		snprintf(buf, sizeof(buf), "r0 = 0x%llx, expected 0x%llx", (unsigned long long)r0,
			 (unsigned long long)t.result);
		why = buf;
	}
	if (why) {
		printf("FAIL %s: %s\n", name, why);
		ty->failed++;
	} else {
		printf("PASS %s\n", name);
		ty->passed++;
	}
	moat_conf_test_release(&t);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* Walks dir (sorted), running .data files; rel is the name prefix. */
static void walk(const char *dir, const char *rel, bool negative, struct tally *ty)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		printf("FAIL %s: cannot read directory: %s\n", *rel ? rel : dir, strerror(errno));
		ty->failed++;
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		char *path = NULL, *name = NULL;
		struct stat sb;
		if (e[0] != '.' && asprintf(&path, "%s/%s", dir, e) >= 0 &&
		    asprintf(&name, "%s%s%s", rel, *rel ? "/" : "", e) >= 0 && stat(path, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				walk(path, name, negative || !strcmp(e, "negative"), ty);
			else if (ends_with(e, ".data"))
				one_test(path, name, negative, ty);
		}
		free(path);
		free(name);
		free(ents[i]);
	}
	free(ents);
}

int cmd_bpf_conformance(int argc, char **argv)
{
	if (cli_wants_help(&conf_cmd, argc, argv))
		return EXIT_OK;
	struct tally ty = { 0 };
	int first = 1;
	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		if (!strcmp(argv[first], "--jit"))
			ty.jit = true;
		else if (!strcmp(argv[first], "--")) {
			first++;
			break;
		} else
			return cli_usage(&conf_cmd, "unknown option '%s'", argv[first]);
	}
	if (first == argc)
		return cli_usage(&conf_cmd, "missing DIR or FILE");
	for (int i = first; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) < 0) {
			cli_fail("bpf conformance", "%s: %s", argv[i], strerror(errno));
			ty.failed++;
		} else if (S_ISDIR(sb.st_mode)) {
			walk(argv[i], "", false, &ty);
		} else {
			bool neg = strstr(argv[i], "/negative/") != NULL ||
				   !strncmp(argv[i], "negative/", 9);
			one_test(argv[i], argv[i], neg, &ty);
		}
	}
	printf("%u passed, %u failed\n", ty.passed, ty.failed);
	return ty.failed ? EXIT_FAIL : EXIT_OK;
}
