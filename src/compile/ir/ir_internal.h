/* Private state of the predicate IR, shared by ir.c, opt.c and emit.c. */
#ifndef MOAT_COMPILE_IR_INTERNAL_H
#define MOAT_COMPILE_IR_INTERNAL_H

#include "compile/ir/ir.h"
#include "util/vec.h"

struct ir {
	VEC(void *) allocs;         /* every node, freed by ir_free */
	struct ir_val **vbuckets;   /* hash-consing tables */
	struct ir_block **bbuckets;
	uint32_t nvals, nblocks;
	bool oom;
};

void *ir_alloc(struct ir *ir, size_t size);
bool ir_fold(enum ir_op op, uint32_t a, uint32_t b, uint32_t *r);
bool ir_rel_eval(enum ir_rel rel, uint32_t a, uint32_t b);

/* Blocks reachable from root in topological order (root first); the array
 * is malloc'd, NULL on allocation failure.  Uses and resets b->mark. */
struct ir_block **ir_topo(struct ir_block *root, size_t *n);

#endif
