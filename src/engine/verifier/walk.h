/*
 * The abstract interpreter's walker, shared by check.c (paths, ALU,
 * branches), memory.c (loads, stores, atomics, helper memory arguments)
 * and call.c (helper calls, local calls, exit).
 */
#ifndef MOAT_ENGINE_VERIFIER_WALK_H
#define MOAT_ENGINE_VERIFIER_WALK_H

#include "engine/verifier/verifier_internal.h"

struct pending {
	struct vstate *st;
	int insn;
};

struct vlist {
	struct vstate *st;
	struct vlist *next;
	uint32_t hit, miss; /* prunes it allowed, visits it did not cover */
};

struct walker {
	struct venv *env;
	struct vstate *cur; /* the path being followed */
	int i;              /* its instruction */
	int next;           /* where step() continues */
	struct pending *pend;
	size_t npend, cappend;
	struct vlist **stored; /* per instruction: checkpoints still compared against */
	struct vlist *retired;  /* checkpoints that stopped paying off (kept: parents) */
	uint64_t last_store;    /* insns_processed when the last checkpoint was stored */
};

/* Records the rejection (instruction, rule, path) and returns -errnum. */
int vfail(struct walker *w, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vlog(const struct walker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct vframe *vcur_frame(struct walker *w);
uint32_t vnew_id(struct walker *w);
/* Rejects reading register r when it is not initialised on this path. */
int vread_reg(struct walker *w, int r);

/* memory.c */
int vcheck_mem_insn(struct walker *w, const struct moat_insn *in);
/*
 * A helper's memory argument: `reg` (argument regno) must point to `size`
 * bytes (size_min..size_max when the size is a range) the program may read
 * (or, when write, that the helper fills).
 */
int vcheck_helper_mem(struct walker *w, int regno, uint64_t size_max, bool write);

/* The size-byte number at stack pointer p when the analysis knows it. */
bool vstack_const(struct walker *w, const struct vreg *p, unsigned size, uint64_t *v);

/* call.c */
int vcheck_call(struct walker *w, const struct moat_insn *in);
int vcheck_exit(struct walker *w);
/* Drops reference ref from the state; invalidate: registers holding it
 * become unusable (a record released at insn). */
void vrelease_ref(struct vstate *s, uint32_t ref, bool invalidate, int insn);

#endif
