/*
 * The BPF conformance suite's test files (`.data`): program (asm or raw),
 * input memory, expected r0 or expected rejection.
 */
#ifndef MOAT_CONFORMANCE_H
#define MOAT_CONFORMANCE_H

#include <moat/insn.h>
#include <moat/error.h>

struct moat_conf_test {
	struct moat_insn *insns; /* assembled or raw program (malloc'd) */
	size_t n_insns;
	uint8_t *mem;            /* input memory (malloc'd), NULL when absent */
	size_t mem_len;
	bool has_result;
	uint64_t result;         /* expected r0 */
	bool expect_error;       /* a `-- error` section was present */
	char *error_text;        /* its text (malloc'd), may be "" */
	/* When the program itself fails to assemble or decode, load succeeds,
	 * insns is NULL and asm_error holds why (an expected-error test may
	 * pass on that). */
	bool asm_failed;
	struct moat_error asm_error;
};

/* Parses one .data file.  Returns 0, or an error when the file itself is
 * unreadable or malformed.  Release with moat_conf_test_release(). */
MOAT_API int moat_conf_test_load(const char *path, struct moat_conf_test *t,
				 struct moat_error *err);
MOAT_API void moat_conf_test_release(struct moat_conf_test *t);

#endif
