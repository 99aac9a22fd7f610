/*
 * Classic BPF emission for the seccomp compiler: instructions whose jumps
 * name labels, resolved to offsets once everything is placed.  Shared by
 * gen.c (the program's shape) and tree.c (range searches, argument checks).
 */
#ifndef MOAT_COMPILE_SECCOMP_GEN_H
#define MOAT_COMPILE_SECCOMP_GEN_H

#include <linux/filter.h>

#include "compile/seccomp/policy.h"

struct sc_ins {
	uint16_t code;
	uint32_t k;
	int jt, jf; /* labels of conditional jumps; jt is ja's label; -1 when unused */
};

struct sc_ret {
	uint32_t action;
	int label;
};

struct sc_gen {
	VEC(struct sc_ins) code;
	VEC(int) labels;  /* label -> instruction index, -1 until placed */
	VEC(struct sc_ret) rets;
	int a_word;       /* offset of the seccomp_data word A holds, -1 when unknown */
	bool oom;
};

/* One range of a 32-bit search: values [lo, next range's lo) go to label target. */
struct sc_range {
	uint32_t lo;
	int target;
};

int sc_label_new(struct sc_gen *g);
/* Places label l at the next instruction; keep_a when every way in has A unchanged. */
void sc_label_place(struct sc_gen *g, int l, bool keep_a);
/* Appends an instruction; returns its index. */
size_t sc_emit(struct sc_gen *g, uint16_t code, uint32_t k, int jt, int jf);
/* A = the 32-bit word at offset off of struct seccomp_data (skipped when A has it). */
void sc_emit_ld(struct sc_gen *g, uint32_t off);
/* The label of the shared `ret #action`. */
int sc_ret_label(struct sc_gen *g, uint32_t action);

/*
 * Emits a search of A over ranges r[0..n) (r[0].lo is the lowest value A
 * can hold here, `end` one past the highest, as a 64-bit number): a
 * balanced tree of jge, with short jeq chains where a few single values
 * stand out of one background.  Jumps to each range's target label.
 */
void sc_emit_search(struct sc_gen *g, const struct sc_range *r, size_t n, uint64_t end);

/*
 * Emits the argument checks of one syscall's rules (in order, first match
 * wins), falling to label `otherwise` when none matches.
 */
void sc_emit_rules(struct sc_gen *g, const struct sc_rule *rules, size_t n, int otherwise);

#endif
