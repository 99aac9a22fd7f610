/*
 * The assembler's state and lexing helpers, shared by asm.c (instructions,
 * labels, the two passes) and asm_map.c (the .map directive and
 * moat_asm_prog).  Nothing here is exported.
 */
#ifndef MOAT_ENGINE_ASM_INTERNAL_H
#define MOAT_ENGINE_ASM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <moat/asm.h>
#include <moat/map.h>

#include "util/vec.h"

/* A cursor over one source line. */
struct lx {
	const char *file;
	const char *bol, *p, *end; /* end: the comment or the end of line */
	int line;
};

struct label {
	const char *name;
	size_t len;
	size_t idx;
};

/* A jump or call whose target is a label, resolved after the last line. */
struct fixup {
	const char *name;
	size_t len;
	size_t idx; /* instruction slot to patch */
	bool in_imm; /* call local and ja32 keep the target in imm */
	int line, col;
};

/* A `.map` declaration; its index in the program's map table is its
 * position among the declarations. */
struct mapdecl {
	const char *name;
	size_t len;
	struct moat_map_def def;
	int line, col;
};

/* An lddw naming a map, patched once every declaration is known. */
struct mapref {
	const char *name;
	size_t len;
	size_t idx; /* the lddw's first slot */
	int line, col;
};

/* The first instruction slot a source line produced, for line info. */
struct srcline {
	size_t insn;
	int line;
	const char *text; /* the line without its comment, leading blanks skipped */
	size_t len;
};

struct as {
	struct lx lx;
	struct moat_error *err;
	VEC(struct moat_insn) out;
	VEC(struct label) labels;
	VEC(struct fixup) fixups;
	VEC(struct mapdecl) maps;
	VEC(struct mapref) maprefs;
	VEC(struct srcline) lines; /* source line of each instruction-emitting line */
	int slots; /* instruction slots the current line produced */
};

/* A parser's answer when the mnemonic is not its own. */
enum { NOMATCH = 1 };

int as_col(const struct lx *l);
void as_skip_ws(struct lx *l);
bool as_is_name_start(char c);
/* Records "expected WHAT, got '...'" at the cursor; returns the error. */
int as_fail(struct as *a, const char *what);
bool as_word(struct lx *l, const char **w, size_t *n);
bool as_punct(struct lx *l, char c);
int as_expect(struct as *a, char c);
bool as_eq(const char *w, size_t n, const char *s);
int as_num_in(struct as *a, int64_t lo, int64_t hi, uint64_t uhi, const char *what, int64_t *v);

/* Both passes over the source (asm.c); release a with as_release(). */
int as_assemble(struct as *a, const char *src, size_t len, const char *file);
void as_release(struct as *a);
/* The .map directive (asm_map.c). */
int as_p_map(struct as *a, const char *w, size_t n, struct moat_insn *i);

#endif
