/*
 * Classic BPF decoder and translator: arbitrary bytes as struct sock_filter
 * programs.  Whatever passes moat_cbpf_check must translate, and its
 * translation must pass moat's verifier (a failure there is a translator
 * bug, so the target aborts); disassembly must never fail on a checked
 * program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 + sizeof(struct moat_cbpf_insn))
		return 0;
	enum moat_prog_type type = data[0] % 3 == 0 ? MOAT_PROG_SECCOMP
				   : data[0] % 3 == 1 ? MOAT_PROG_SOCKET_FILTER
						      : MOAT_PROG_MEM;
	size_t n = (size - 1) / sizeof(struct moat_cbpf_insn);
	struct moat_cbpf_insn *insns = malloc(n * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data + 1, n * sizeof(*insns));
	struct moat_error err;
	char buf[256];
	bool seccomp = type == MOAT_PROG_SECCOMP;
	if (moat_cbpf_check(insns, n, seccomp, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			if (moat_cbpf_disasm_insn(insns, n, i, buf, sizeof(buf)) < 0)
				abort();
		struct moat_prog *p = moat_cbpf_to_ebpf(insns, n, type, &err);
		if (!p)
			abort();
		MOAT_OPTS(moat_verify_opts, vo, .mem_len = 64);
		if (moat_verify(p, &vo, NULL, &err) != 0) {
			fprintf(stderr, "translation rejected: %s\n", moat_error_str(&err, buf, sizeof(buf)));
			abort();
		}
		moat_prog_free(p);
	} else {
		for (size_t i = 0; i < n; i++)
			moat_cbpf_disasm_insn(insns, n, i, buf, sizeof(buf));
	}
	free(insns);
	return 0;
}
