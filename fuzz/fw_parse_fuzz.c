/*
 * Firewall rule files: arbitrary text through the parser.  Whatever parses
 * must print in canonical form, parse back and print the same (abort
 * otherwise); small rule sets are also compiled, and the compiler's output
 * must pass moat's verifier (a rejection is a compiler bug).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/fw.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err;
	MOAT_OPTS(moat_fw_parse_opts, po, .no_table_files = true);
	struct moat_fw_rules *rs = moat_fw_parse((const char *)data, size, "fuzz.conf", &po, &err);
	if (!rs) {
		if (err.errnum != EINVAL && err.errnum != E2BIG && err.errnum != ENOMEM) {
			fprintf(stderr, "unexpected error %d: %s\n", err.errnum, err.msg);
			abort();
		}
		return 0;
	}
	char *t1 = moat_fw_rules_format(rs);
	struct moat_fw_rules *rs2 = t1 ? moat_fw_parse(t1, strlen(t1), "canon.conf", &po, &err) : NULL;
	if (t1 && !rs2) {
		fprintf(stderr, "canonical form does not parse: %s\n%s", err.msg, t1);
		abort();
	}
	char *t2 = rs2 ? moat_fw_rules_format(rs2) : NULL;
	if (t1 && t2 && strcmp(t1, t2)) {
		fprintf(stderr, "round trip differs:\n%s---\n%s", t1, t2);
		abort();
	}
	if (size < 400 && moat_fw_rule_count(rs) <= 8) {
		MOAT_OPTS(moat_fw_compile_opts, co, .hook = MOAT_FW_XDP, .dir = MOAT_FW_IN);
		struct moat_fw_prog *fp = moat_fw_compile(rs, &co, &err);
		if (!fp && err.errnum != E2BIG && err.errnum != ENOMEM) {
			fprintf(stderr, "compile failed: %s (insn %ld)\n", err.msg, err.insn);
			abort();
		}
		moat_fw_prog_free(fp);
	}
	free(t1);
	free(t2);
	moat_fw_rules_free(rs);
	moat_fw_rules_free(rs2);
	return 0;
}
