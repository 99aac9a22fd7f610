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
#include <moat/prog.h>

/*
 * Assembles `len` bytes of source.  `file` names the source in errors
 * ("file:line:col: expected register, got 'r11'").  On success *insns is a
 * malloc'd array the caller frees with free() and *n its length.
 *
 * Map declarations,
 *
 *     .map NAME TYPE key=K value=V entries=N [flags=no_prealloc|rdonly_prog]
 *
 * (TYPE: array, hash, lru_hash, percpu_array, percpu_hash, lpm_trie, ringbuf,
 * prog_array; ringbuf takes entries= only, its size in bytes; lpm_trie gets
 * no_prealloc by itself) are numbered 0, 1, ... in the order they appear, and
 * `lddw %rX, map NAME` / `lddw %rX, map_value NAME, OFF` assemble to that
 * number, exactly as `map 0` / `map_value 0, OFF` would.  moat_asm() checks
 * the declarations' syntax and resolves the names but creates no map: the
 * bytecode it returns only carries indexes.  Use moat_asm_prog() to get the
 * maps too.  Numeric indexes are not checked against the declarations (the
 * verifier rejects an index the program has no map for).
 */
MOAT_API int moat_asm(const char *src, size_t len, const char *file, struct moat_insn **insns,
		      size_t *n, struct moat_error *err);

/*
 * Assembles as moat_asm() and makes a program of type `type` from the
 * result: each `.map` declaration becomes a new map (moat_map_new(), with
 * the declaration's name) added to the program's map table in order, and
 * each source line that emits instructions becomes a line-info entry (so
 * verifier messages name the line).  Errors, including a map definition the
 * map layer refuses (an array whose key is not 4 bytes, ...), name
 * file:line:col.  A source without instructions is an error.  Returns the
 * program, which owns the maps; free it with moat_prog_free().  NULL on error.
 */
MOAT_API struct moat_prog *moat_asm_prog(const char *src, size_t len, const char *file,
					 enum moat_prog_type type, struct moat_error *err);

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
