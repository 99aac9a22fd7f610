/*
 * Fuzz target for the assembler: any input that assembles must disassemble
 * (with and without labels) to text that assembles to the same bytes, and
 * the llvm printer must not crash on it.  moat_asm_prog (which also creates
 * the `.map` maps and line info) must give the same instructions, or fail
 * only because a map definition is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <moat/asm.h>
#include <moat/prog.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct moat_insn *p, size_t n, bool labels)
{
	struct moat_error err;
	char *txt = moat_disasm(p, n, MOAT_SYNTAX_MOAT, labels, &err);
	if (!txt)
		abort();
	struct moat_insn *q = NULL;
	size_t m = 0;
	if (moat_asm(txt, strlen(txt), "disasm", &q, &m, &err) < 0 || m != n ||
	    (n && memcmp(p, q, n * sizeof(*p))))
		abort();
	free(q);
	free(txt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_insn *p = NULL;
	size_t n = 0;
	struct moat_error err;
	if (moat_asm((const char *)data, size, "fuzz.s", &p, &n, &err) < 0)
		return 0;
	struct moat_prog *prog = moat_asm_prog((const char *)data, size, "fuzz.s", MOAT_PROG_MEM, &err);
	if (prog) {
		size_t m;
		const struct moat_insn *q = moat_prog_insns(prog, &m);
		if (m != n || memcmp(p, q, n * sizeof(*p)))
			abort();
		moat_prog_free(prog);
	} else if (n && err.line == 0) {
		abort(); /* only a refused .map (which names its line) may fail here */
	}
	check_round_trip(p, n, false);
	check_round_trip(p, n, true);
	char *llvm = moat_disasm(p, n, MOAT_SYNTAX_LLVM, true, &err);
	if (!llvm)
		abort();
	free(llvm);
	free(p);
	return 0;
}
