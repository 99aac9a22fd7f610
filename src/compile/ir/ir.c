/*
 * Predicate IR: allocation, hash-consing of values and blocks, constant
 * folding, and lowering of and/or/not trees to a block DAG.
 *
 * Every node lives until ir_free(); nodes are never freed one by one, so
 * passes may drop references freely.  Hash-consing makes structural
 * equality pointer equality, which is what the optimizer's facts and the
 * emitter's register tracking compare.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/ir/ir_internal.h"

#define NBUCKETS 1024

struct ir *ir_new(void)
{
	struct ir *ir = calloc(1, sizeof(*ir));
	if (!ir)
		return NULL;
	ir->vbuckets = calloc(NBUCKETS, sizeof(*ir->vbuckets));
	ir->bbuckets = calloc(NBUCKETS, sizeof(*ir->bbuckets));
	if (!ir->vbuckets || !ir->bbuckets) {
		free(ir->vbuckets);
		free(ir->bbuckets);
		free(ir);
		return NULL;
	}
	return ir;
}

void ir_free(struct ir *ir)
{
	if (!ir)
		return;
	for (size_t i = 0; i < ir->allocs.n; i++)
		free(ir->allocs.v[i]);
	vec_release(&ir->allocs);
	free(ir->vbuckets);
	free(ir->bbuckets);
	free(ir);
}

bool ir_oom(const struct ir *ir)
{
	return ir->oom;
}

void *ir_alloc(struct ir *ir, size_t size)
{
	if (ir->oom)
		return NULL;
	void *p = calloc(1, size);
	if (!p || vec_push(&ir->allocs, p) < 0) {
		free(p);
		ir->oom = true;
		return NULL;
	}
	return p;
}

/* ---------------------------------------------------------------- values */

static size_t vhash(enum ir_vkind kind, unsigned size, unsigned op, uint32_t k,
		    const struct ir_val *a, const struct ir_val *b)
{
	size_t h = (size_t)kind * 31u + size * 7u + op * 131u + k * 2654435761u;
	h ^= (a ? a->id : 0) * 40503u + (b ? b->id : 0) * 97u;
	return h % NBUCKETS;
}

static struct ir_val *intern_val(struct ir *ir, enum ir_vkind kind, unsigned size, unsigned op,
				 uint32_t k, struct ir_val *a, struct ir_val *b)
{
	if (ir->oom)
		return NULL;
	size_t h = vhash(kind, size, op, k, a, b);
	for (struct ir_val *v = ir->vbuckets[h]; v; v = v->hnext)
		if (v->kind == kind && v->size == size && v->op == op && v->k == k && v->a == a &&
		    v->b == b)
			return v;
	struct ir_val *v = ir_alloc(ir, sizeof(*v));
	if (!v)
		return NULL;
	*v = (struct ir_val){ .kind = kind, .size = (uint8_t)size, .op = (uint8_t)op, .k = k,
			      .a = a, .b = b, .id = ++ir->nvals, .hnext = ir->vbuckets[h] };
	ir->vbuckets[h] = v;
	return v;
}

struct ir_val *ir_const(struct ir *ir, uint32_t k)
{
	return intern_val(ir, IR_CONST, 0, 0, k, NULL, NULL);
}

struct ir_val *ir_load(struct ir *ir, unsigned size, uint32_t off, struct ir_val *index)
{
	uint32_t k;
	if (index && ir_val_const(index, &k)) { /* a constant index is an absolute load */
		off += k;
		index = NULL;
	}
	return intern_val(ir, IR_LOAD, size, 0, off, index, NULL);
}

struct ir_val *ir_len(struct ir *ir)
{
	return intern_val(ir, IR_LEN, 0, 0, 0, NULL, NULL);
}

struct ir_val *ir_msh(struct ir *ir, uint32_t off)
{
	return intern_val(ir, IR_MSH, 0, 0, off, NULL, NULL);
}

bool ir_val_const(const struct ir_val *v, uint32_t *k)
{
	if (!v || v->kind != IR_CONST)
		return false;
	*k = v->k;
	return true;
}

/* Classic BPF's 32-bit ALU on constants; false for division by zero. */
bool ir_fold(enum ir_op op, uint32_t a, uint32_t b, uint32_t *r)
{
	switch (op) {
	case IR_ADD: *r = a + b; break;
	case IR_SUB: *r = a - b; break;
	case IR_MUL: *r = a * b; break;
	case IR_DIV: if (!b) return false; *r = a / b; break;
	case IR_MOD: if (!b) return false; *r = a % b; break;
	case IR_OR: *r = a | b; break;
	case IR_AND: *r = a & b; break;
	case IR_XOR: *r = a ^ b; break;
	case IR_LSH: *r = b < 32 ? a << b : 0; break;
	case IR_RSH: *r = b < 32 ? a >> b : 0; break;
	default: return false;
	}
	return true;
}

struct ir_val *ir_bin(struct ir *ir, enum ir_op op, struct ir_val *a, struct ir_val *b)
{
	if (!a || !b)
		return NULL;
	uint32_t ka, kb, r;
	bool ca = ir_val_const(a, &ka), cb = ir_val_const(b, &kb);
	if (cb && !kb && (op == IR_DIV || op == IR_MOD))
		return NULL;
	if (ca && cb)
		return ir_fold(op, ka, kb, &r) ? ir_const(ir, r) : NULL;
	if (cb) { /* identities that keep the other operand */
		if (kb == 0 && (op == IR_ADD || op == IR_SUB || op == IR_OR || op == IR_XOR ||
				op == IR_LSH || op == IR_RSH))
			return a;
		if (kb == 1 && (op == IR_MUL || op == IR_DIV))
			return a;
		if (kb == 0xffffffffu && op == IR_AND)
			return a;
	}
	return intern_val(ir, IR_BIN, 0, op, 0, a, b);
}

struct ir_val *ir_neg(struct ir *ir, struct ir_val *a)
{
	uint32_t k;
	if (!a)
		return NULL;
	if (ir_val_const(a, &k))
		return ir_const(ir, 0u - k);
	return intern_val(ir, IR_NEG, 0, 0, 0, a, NULL);
}

struct ir_val *ir_chain(struct ir *ir, unsigned family, uint32_t nl, uint32_t want)
{
	return intern_val(ir, IR_CHAIN, family, 0, nl, ir_const(ir, want), NULL);
}

/* ------------------------------------------------------------ predicates */

static struct ir_pred *pred(struct ir *ir, enum ir_pkind kind)
{
	struct ir_pred *p = ir_alloc(ir, sizeof(*p));
	if (p)
		p->kind = kind;
	return p;
}

struct ir_pred *ir_true(struct ir *ir)
{
	return pred(ir, IR_P_TRUE);
}

struct ir_pred *ir_false(struct ir *ir)
{
	return pred(ir, IR_P_FALSE);
}

struct ir_pred *ir_atom(struct ir *ir, struct ir_val *a, enum ir_rel rel, struct ir_val *b)
{
	if (!a || !b)
		return NULL;
	struct ir_pred *p = pred(ir, IR_P_ATOM);
	if (p) {
		p->a = a;
		p->b = b;
		p->rel = (uint8_t)rel;
	}
	return p;
}

struct ir_pred *ir_atom_k(struct ir *ir, struct ir_val *a, enum ir_rel rel, uint32_t k)
{
	return ir_atom(ir, a, rel, ir_const(ir, k));
}

static struct ir_pred *binary(struct ir *ir, enum ir_pkind kind, struct ir_pred *l,
			      struct ir_pred *r)
{
	if (!l || !r)
		return NULL;
	struct ir_pred *p = pred(ir, kind);
	if (p) {
		p->l = l;
		p->r = r;
	}
	return p;
}

struct ir_pred *ir_and(struct ir *ir, struct ir_pred *l, struct ir_pred *r)
{
	return binary(ir, IR_P_AND, l, r);
}

struct ir_pred *ir_or(struct ir *ir, struct ir_pred *l, struct ir_pred *r)
{
	return binary(ir, IR_P_OR, l, r);
}

struct ir_pred *ir_not(struct ir *ir, struct ir_pred *p)
{
	if (!p)
		return NULL;
	struct ir_pred *n = pred(ir, IR_P_NOT);
	if (n)
		n->l = p;
	return n;
}

/* ---------------------------------------------------------------- blocks */

static size_t bhash(const struct ir_val *a, unsigned rel, const struct ir_val *b,
		    const struct ir_block *jt, const struct ir_block *jf, uint32_t ret)
{
	size_t h = (a ? a->id : 0) * 2654435761u + rel * 31u + (b ? b->id : 0) * 40503u;
	h += (jt ? jt->id : 0) * 97u + (jf ? jf->id : 0) * 7919u + ret * 131u;
	return h % NBUCKETS;
}

static struct ir_block *intern_block(struct ir *ir, struct ir_val *a, unsigned rel,
				     struct ir_val *b, struct ir_block *jt, struct ir_block *jf,
				     uint32_t ret)
{
	if (ir->oom)
		return NULL;
	size_t h = bhash(a, rel, b, jt, jf, ret);
	for (struct ir_block *x = ir->bbuckets[h]; x; x = x->hnext)
		if (x->a == a && x->rel == rel && x->b == b && x->jt == jt && x->jf == jf &&
		    x->ret == ret)
			return x;
	struct ir_block *x = ir_alloc(ir, sizeof(*x));
	if (!x)
		return NULL;
	*x = (struct ir_block){ .a = a, .rel = (uint8_t)rel, .b = b, .jt = jt, .jf = jf,
				.ret = ret, .id = ++ir->nblocks, .hnext = ir->bbuckets[h] };
	ir->bbuckets[h] = x;
	return x;
}

struct ir_block *ir_leaf(struct ir *ir, uint32_t k)
{
	return intern_block(ir, NULL, 0, NULL, NULL, NULL, k);
}

/* The outcome of a REL b on constants. */
bool ir_rel_eval(enum ir_rel rel, uint32_t a, uint32_t b)
{
	switch (rel) {
	case IR_JEQ: return a == b;
	case IR_JGT: return a > b;
	case IR_JGE: return a >= b;
	case IR_JSET: return (a & b) != 0;
	}
	return false;
}

/*
 * Canonical forms, so equal tests look equal to the optimizer:
 * (v & m) == 0 becomes jset m with the arms swapped, (v & m) & c becomes
 * v & (m & c), a constant left operand moves right, and tests a load's
 * width already decides are decided.
 */
struct ir_block *ir_test(struct ir *ir, struct ir_val *a, enum ir_rel rel, struct ir_val *b,
			 struct ir_block *jt, struct ir_block *jf)
{
	uint32_t ka, kb, m;
	if (!a || !b || !jt || !jf)
		return NULL;
	if (jt == jf)
		return jt;
	bool ca = ir_val_const(a, &ka), cb = ir_val_const(b, &kb);
	if (ca && cb)
		return ir_rel_eval(rel, ka, kb) ? jt : jf;
	if (ca) {
		switch (rel) {
		case IR_JEQ: return ir_test(ir, b, IR_JEQ, a, jt, jf);
		case IR_JSET: return ir_test(ir, b, IR_JSET, a, jt, jf);
		case IR_JGT: return ir_test(ir, b, IR_JGE, a, jf, jt); /* k > v == !(v >= k) */
		case IR_JGE: return ir_test(ir, b, IR_JGT, a, jf, jt);
		}
	}
	if (cb) {
		if (rel == IR_JSET && kb == 0)
			return jf;
		if (rel == IR_JGE && kb == 0)
			return jt;
		if (rel == IR_JGT && kb == 0xffffffffu)
			return jf;
		if (a->kind == IR_LOAD && a->size < 4) {
			uint32_t max = a->size == 1 ? 0xffu : 0xffffu;
			if ((rel == IR_JEQ && kb > max) || (rel == IR_JGT && kb >= max) ||
			    (rel == IR_JGE && kb > max))
				return jf;
		}
		if (a->kind == IR_BIN && a->op == IR_AND && ir_val_const(a->b, &m) &&
		    a->a->kind == IR_LOAD && a->a->size > 1 &&
		    (m == 0xff || (m == 0xffff && a->a->size == 4))) {
			/* the low bytes of a load are a narrower load ending at the
			 * same byte: same bounds, one instruction less */
			unsigned sz = m == 0xff ? 1 : 2;
			struct ir_val *nv = ir_load(ir, sz, a->a->k + a->a->size - sz, a->a->a);
			return ir_test(ir, nv, rel, b, jt, jf);
		}
		if (a->kind == IR_BIN && a->op == IR_AND && ir_val_const(a->b, &m)) {
			if (rel == IR_JEQ && kb == 0)
				return ir_test(ir, a->a, IR_JSET, a->b, jf, jt);
			if (rel == IR_JEQ && kb == m && m && !(m & (m - 1))) /* one bit set */
				return ir_test(ir, a->a, IR_JSET, a->b, jt, jf);
			if (rel == IR_JEQ && (kb & ~m))
				return jf;
			if (rel == IR_JSET)
				return ir_test(ir, a->a, IR_JSET, ir_const(ir, m & kb), jt, jf);
		}
		if (rel == IR_JGE && kb != 0) /* v >= k is v > k-1: one form for facts */
			return ir_test(ir, a, IR_JGT, ir_const(ir, kb - 1), jt, jf);
	}
	return intern_block(ir, a, rel, b, jt, jf, 0);
}

struct ir_block *ir_lower(struct ir *ir, struct ir_pred *p, struct ir_block *yes,
			  struct ir_block *no)
{
	if (!p || !yes || !no)
		return NULL;
	switch (p->kind) {
	case IR_P_TRUE: return yes;
	case IR_P_FALSE: return no;
	case IR_P_ATOM: return ir_test(ir, p->a, (enum ir_rel)p->rel, p->b, yes, no);
	case IR_P_NOT: return ir_lower(ir, p->l, no, yes);
	case IR_P_AND: return ir_lower(ir, p->l, ir_lower(ir, p->r, yes, no), no);
	case IR_P_OR: return ir_lower(ir, p->l, yes, ir_lower(ir, p->r, yes, no));
	}
	return NULL;
}
