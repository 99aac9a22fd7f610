/*
 * Assembler and disassembler for the conformance suite's text syntax
 * (`mov32 %r0, 1`, `ldxw %r0, [%r1+4]`, `jsgt %r1, %r2, +3`), with labels
 * and comments; the disassembler can also print the llvm-objdump / kernel
 * style (`r0 = 1`).
 */
#ifndef MOAT_ASM_H
#define MOAT_ASM_H

#include <moat/insn.h>
#include <moat/error.h>

/*
 * Assembles `len` bytes of source.  `file` names the source in errors
 * ("file:line:col: expected register, got 'r11'").  On success *insns is a
 * malloc'd array the caller frees with free() and *n its length.
 */
MOAT_API int moat_asm(const char *src, size_t len, const char *file, struct moat_insn **insns,
		      size_t *n, struct moat_error *err);

enum moat_syntax {
	MOAT_SYNTAX_MOAT, /* the conformance-suite syntax, reassemblable */
	MOAT_SYNTAX_LLVM, /* r0 = 1; if r1 > r2 goto +3 */
};

/*
 * Disassembles the instruction at insns[i] (two slots for lddw) into buf.
 * Returns the number of slots consumed (1 or 2), or a negative error for an
 * invalid encoding (buf then holds ".insn 0x...": a raw form the assembler
 * accepts back).
 */
MOAT_API int moat_disasm_insn(const struct moat_insn *insns, size_t n, size_t i,
			      enum moat_syntax syntax, char *buf, size_t buflen);

/* Disassembles a whole program, one instruction a line, into a malloc'd
 * string the caller frees.  Jump targets become labels when `labels` is true. */
MOAT_API char *moat_disasm(const struct moat_insn *insns, size_t n, enum moat_syntax syntax,
			   bool labels, struct moat_error *err);

#endif
