/*
 * moat's seccomp text profiles: arbitrary bytes to the parser.  Whatever
 * parses must compile to a program moat's verifier accepts (the compiler
 * verifies before returning; a failure there is a compiler bug, so the
 * target aborts), print to text that parses back to the same text, and
 * agree with the policy's definition when run in the VM on a few calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct moat_seccomp_policy *p, const uint8_t *data, size_t size)
{
	struct moat_error err;
	char buf[1200];
	struct moat_cbpf_insn *prog = NULL;
	size_t n = 0;
	if (moat_seccomp_compile(p, NULL, &prog, &n, NULL, &err) < 0) {
		if (err.errnum == E2BIG)
			return; /* too many argument rules for one program: a stated limit */
		fprintf(stderr, "compile failed: %s\n", moat_error_str(&err, buf, sizeof(buf)));
		abort();
	}
	char *t1 = moat_seccomp_policy_text(p, &err);
	struct moat_seccomp_policy *again = t1 ? moat_seccomp_parse(t1, strlen(t1), "t", NULL, &err) : NULL;
	char *t2 = again ? moat_seccomp_policy_text(again, &err) : NULL;
	if (!t1 || !t2 || strcmp(t1, t2)) {
		fprintf(stderr, "print/parse round trip differs:\n%s\n---\n%s\n", t1 ? t1 : "", t2 ? t2 : "");
		abort();
	}
	/* a few calls built from the input's bytes */
	for (size_t i = 0; i < 4; i++) {
		struct moat_seccomp_data d = { .arch = MOAT_SECCOMP_ARCH_X86_64 };
		size_t off = size ? (i * 31) % size : 0;
		d.nr = size ? data[off] + (i & 1 ? 256 : 0) : 0;
		for (int a = 0; a < 6; a++)
			d.args[a] = size ? (uint64_t)data[(off + (size_t)a) % size] * (a & 1 ? 1 : 0x1000000ffull) : 0;
		uint32_t got = 0;
		if (moat_seccomp_run(prog, n, &d, &got, &err) < 0 || got != moat_seccomp_policy_eval(p, &d)) {
			fprintf(stderr, "VM and rules disagree on nr %d\n", d.nr);
			abort();
		}
	}
	free(t1);
	free(t2);
	moat_seccomp_policy_free(again);
	free(prog);
}

/* With capability conditions kept, printing and parsing again (kept) must
 * give the same text, and resolving that text for a capability set must
 * give what resolving the input for it gives. */
static void keep_round_trip(const uint8_t *data, size_t size)
{
	struct moat_error err;
	MOAT_OPTS(moat_seccomp_parse_opts, keep, .format = MOAT_SECCOMP_FORMAT_TEXT, .caps = "keep");
	MOAT_OPTS(moat_seccomp_parse_opts, some, .format = MOAT_SECCOMP_FORMAT_TEXT,
		  .caps = "sys_admin,bpf");
	struct moat_seccomp_policy *k = moat_seccomp_parse((const char *)data, size, "f", &keep, &err);
	char *t1 = k ? moat_seccomp_policy_text(k, &err) : NULL;
	if (!t1) {
		moat_seccomp_policy_free(k);
		return;
	}
	struct moat_seccomp_policy *k2 = moat_seccomp_parse(t1, strlen(t1), "t", &keep, &err);
	char *t2 = k2 ? moat_seccomp_policy_text(k2, &err) : NULL;
	struct moat_seccomp_policy *a = moat_seccomp_parse((const char *)data, size, "f", &some, &err);
	struct moat_seccomp_policy *b = moat_seccomp_parse(t1, strlen(t1), "t", &some, &err);
	char *ta = a ? moat_seccomp_policy_text(a, &err) : NULL;
	char *tb = b ? moat_seccomp_policy_text(b, &err) : NULL;
	if (!t2 || strcmp(t1, t2) || !ta != !tb || (ta && strcmp(ta, tb))) {
		fprintf(stderr, "kept conditions do not round-trip:\n%s\n---\n%s\n", t1, t2 ? t2 : "");
		abort();
	}
	free(t1);
	free(t2);
	free(ta);
	free(tb);
	moat_seccomp_policy_free(k);
	moat_seccomp_policy_free(k2);
	moat_seccomp_policy_free(a);
	moat_seccomp_policy_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err;
	MOAT_OPTS(moat_seccomp_parse_opts, o, .format = MOAT_SECCOMP_FORMAT_TEXT);
	struct moat_seccomp_policy *p = moat_seccomp_parse((const char *)data, size, "f", &o, &err);
	if (p)
		check(p, data, size);
	else if (!err.msg[0])
		abort(); /* every failure says why */
	moat_seccomp_policy_free(p);
	keep_round_trip(data, size);
	return 0;
}
