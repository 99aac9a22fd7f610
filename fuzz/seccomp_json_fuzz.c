/*
 * Docker/OCI JSON seccomp profiles: arbitrary bytes to moat's JSON reader
 * and the moby resolution.  A failure must carry a message and a position;
 * whatever parses must compile to a verified program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <moat/moat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err;
	char buf[1200];
	MOAT_OPTS(moat_seccomp_parse_opts, o, .format = MOAT_SECCOMP_FORMAT_JSON, .kernel = "6.1",
		  .caps = size && data[0] & 1 ? "all" : NULL);
	struct moat_seccomp_policy *p = moat_seccomp_parse((const char *)data, size, "f.json", &o, &err);
	if (!p) {
		if (!err.msg[0] || err.line < 1 || err.col < 1) {
			fprintf(stderr, "error without a position: %s\n", moat_error_str(&err, buf, sizeof(buf)));
			abort();
		}
		return 0;
	}
	struct moat_cbpf_insn *prog = NULL;
	size_t n = 0;
	if (moat_seccomp_compile(p, NULL, &prog, &n, NULL, &err) < 0 && err.errnum != E2BIG) {
		fprintf(stderr, "compile failed: %s\n", moat_error_str(&err, buf, sizeof(buf)));
		abort();
	}
	free(prog);
	moat_seccomp_policy_free(p);
	return 0;
}
