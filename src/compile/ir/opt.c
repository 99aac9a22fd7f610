/*
 * The optimizer: path facts, jump threading, and re-canonicalization.
 *
 * A fact is the known outcome of a test `v REL k` (v a value, k a
 * constant).  Walking the DAG in topological order, the facts holding on
 * entry to a block are those holding on *every* edge into it (the
 * intersection over its predecessors); an edge carries its source
 * block's entry facts plus the outcome of the source's own test.
 *
 * Before an edge's facts are merged into its target, the target's test is
 * tried against them: when they decide it, the edge is redirected to the
 * arm the test would take (jump threading), and again from there.  This
 * removes the tests libpcap removes with its edge-dominator analysis,
 * e.g. the second `ldh [12] == 0x800` of `ip and ip`, or the IPv4 check of
 * an `ip6` branch.  Redirected blocks are then rebuilt bottom-up through
 * the hash-consing constructor, which folds blocks whose arms agree and
 * shares equal blocks.  The loop stops when a pass changes nothing.
 *
 * Loads are treated as pure, as libpcap treats them: a test removed as
 * redundant can no longer reject a packet by reading past its end.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/ir/ir_internal.h"

#define MAXFACTS 48
#define MAXPASSES 32

struct fact {
	const struct ir_val *v;
	uint32_t k;
	uint8_t rel;
	bool truth;
};

struct facts {
	bool set;
	unsigned n;
	struct fact f[MAXFACTS];
};

static void topo_visit(struct ir_block *b, struct ir_block **out, size_t *n)
{
	if (b->mark)
		return;
	b->mark = 1;
	if (b->a) {
		topo_visit(b->jt, out, n);
		topo_visit(b->jf, out, n);
	}
	out[(*n)++] = b;
}

static size_t count(struct ir_block *b)
{
	if (b->mark)
		return 0;
	b->mark = 1;
	return 1 + (b->a ? count(b->jt) + count(b->jf) : 0);
}

static void unmark(struct ir_block *b)
{
	if (!b->mark)
		return;
	b->mark = 0;
	if (b->a) {
		unmark(b->jt);
		unmark(b->jf);
	}
}

struct ir_block **ir_topo(struct ir_block *root, size_t *n)
{
	size_t total = count(root);
	unmark(root);
	struct ir_block **v = malloc((total ? total : 1) * sizeof(*v));
	if (!v)
		return NULL;
	*n = 0;
	topo_visit(root, v, n);
	unmark(root);
	for (size_t i = 0; i < *n / 2; i++) { /* postorder reversed */
		struct ir_block *t = v[i];
		v[i] = v[*n - 1 - i];
		v[*n - 1 - i] = t;
	}
	for (size_t i = 0; i < *n; i++)
		v[i]->order = (int)i;
	return v;
}

/* The value of v if the facts pin it to a constant (equalities only). */
static bool known(const struct facts *fs, const struct ir_val *v, uint32_t *k, int depth)
{
	if (ir_val_const(v, k))
		return true;
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].v == v && fs->f[i].rel == IR_JEQ && fs->f[i].truth) {
			*k = fs->f[i].k;
			return true;
		}
	uint32_t a, b;
	if (depth < 4 && v->kind == IR_BIN && known(fs, v->a, &a, depth + 1) &&
	    known(fs, v->b, &b, depth + 1))
		return ir_fold((enum ir_op)v->op, a, b, k);
	return false;
}

/* What fact f says about `v rel k` (f about the same v): 1, 0, or -1. */
static int implies(const struct fact *f, enum ir_rel rel, uint32_t k)
{
	uint32_t fk = f->k;
	switch ((enum ir_rel)f->rel) {
	case IR_JEQ:
		if (f->truth)
			return ir_rel_eval(rel, fk, k);
		return rel == IR_JEQ && k == fk ? 0 : -1;
	case IR_JGT: /* v > fk, or v <= fk */
		if (f->truth)
			return rel == IR_JEQ && k <= fk ? 0 : rel == IR_JGT && k <= fk ? 1 : -1;
		if (rel == IR_JEQ && k > fk)
			return 0;
		return rel == IR_JGT && k >= fk ? 0 : -1;
	case IR_JGE: /* only with k == 0 reaching here, never stored */
		return -1;
	case IR_JSET:
		if (f->truth) {
			if (rel == IR_JSET && !(fk & ~k))
				return 1;
			return rel == IR_JEQ && !(k & fk) ? 0 : -1;
		}
		if (rel == IR_JSET && !(k & ~fk))
			return 0;
		return rel == IR_JEQ && (k & fk) ? 0 : -1;
	}
	return -1;
}

/* The outcome of block b's test under the facts: 1, 0, or -1 (unknown). */
static int decide(const struct facts *fs, const struct ir_block *b)
{
	uint32_t k, v;
	if (!ir_val_const(b->b, &k))
		return -1;
	if (known(fs, b->a, &v, 0))
		return ir_rel_eval((enum ir_rel)b->rel, v, k);
	for (unsigned i = 0; i < fs->n; i++) {
		if (fs->f[i].v != b->a)
			continue;
		int r = implies(&fs->f[i], (enum ir_rel)b->rel, k);
		if (r >= 0)
			return r;
	}
	return -1;
}

static void add_fact(struct facts *fs, const struct ir_block *b, bool truth)
{
	uint32_t k;
	if (!ir_val_const(b->b, &k) || fs->n == MAXFACTS)
		return;
	fs->f[fs->n++] = (struct fact){ .v = b->a, .k = k, .rel = b->rel, .truth = truth };
}

static bool same_fact(const struct fact *x, const struct fact *y)
{
	return x->v == y->v && x->k == y->k && x->rel == y->rel && x->truth == y->truth;
}

/* dst = dst ∩ src (or src if dst is not set yet). */
static void meet(struct facts *dst, const struct facts *src)
{
	if (!dst->set) {
		*dst = *src;
		dst->set = true;
		return;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < dst->n; i++)
		for (unsigned j = 0; j < src->n; j++)
			if (same_fact(&dst->f[i], &src->f[j])) {
				dst->f[n++] = dst->f[i];
				break;
			}
	dst->n = n;
}

/* One threading pass over the DAG; true if an edge moved. */
static bool thread_pass(struct ir_block **topo, size_t n, struct facts *fs)
{
	bool changed = false;
	struct facts ef;
	memset(fs, 0, n * sizeof(*fs));
	fs[0].set = true;
	for (size_t i = 0; i < n; i++) {
		struct ir_block *b = topo[i];
		if (!b->a || !fs[i].set)
			continue;
		for (int arm = 1; arm >= 0; arm--) {
			ef = fs[i];
			add_fact(&ef, b, arm);
			struct ir_block *s = arm ? b->jt : b->jf;
			int r;
			while (s->a && (r = decide(&ef, s)) >= 0) {
				s = r ? s->jt : s->jf;
				changed = true;
			}
			if (arm)
				b->jt = s;
			else
				b->jf = s;
			meet(&fs[s->order], &ef);
		}
	}
	return changed;
}

/*
 * Chain grouping.  A run of blocks linked by their false arms, all with
 * the same true target, is an `or` of pure tests (and a run linked by
 * true arms with one false target an `and`); when every block of the run
 * but the first has no other predecessor, the tests may be put in any
 * order.  Grouping tests of the same value next to each other lets the
 * emitter load it once: `host a or host b` tests the source address
 * against a and b, then the destination against both, as libpcap's
 * optimizer ends up doing.  The tests move between the run's blocks; the
 * blocks and their edges stay.
 */
static bool group_run(struct ir_block **run, size_t n)
{
	struct test { struct ir_val *a, *b; uint8_t rel; } t[n ? n : 1], s[n ? n : 1];
	bool *used = calloc(n ? n : 1, sizeof(*used));
	size_t k = 0;
	bool moved = false;
	if (!used)
		return false;
	for (size_t i = 0; i < n; i++)
		t[i] = (struct test){ run[i]->a, run[i]->b, run[i]->rel };
	for (size_t i = 0; i < n; i++) {
		if (used[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (!used[j] && t[j].a == t[i].a) {
				used[j] = true;
				moved |= j != k;
				s[k++] = t[j];
			}
	}
	free(used);
	for (size_t i = 0; moved && i < n; i++) {
		run[i]->a = s[i].a;
		run[i]->b = s[i].b;
		run[i]->rel = s[i].rel;
	}
	return moved;
}

static bool group_chains(struct ir_block **topo, size_t n)
{
	bool changed = false;
	int *preds = calloc(n ? n : 1, sizeof(*preds));
	struct ir_block **run = malloc((n ? n : 1) * sizeof(*run));
	if (!preds || !run) {
		free(preds);
		free(run);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (topo[i]->a) {
			preds[topo[i]->jt->order]++;
			preds[topo[i]->jf->order]++;
		}
	for (size_t i = 0; i < n; i++)
		topo[i]->mark = 0;
	for (int arm = 0; arm < 2; arm++) {
		for (size_t i = 0; i < n; i++) {
			struct ir_block *b = topo[i];
			if (!b->a || b->mark == arm + 1)
				continue;
			size_t len = 0;
			struct ir_block *c = b;
			run[len++] = c;
			for (;;) {
				struct ir_block *nx = arm ? c->jt : c->jf;
				if (!nx->a || preds[nx->order] != 1 ||
				    (arm ? nx->jf != b->jf : nx->jt != b->jt))
					break;
				run[len++] = c = nx;
				c->mark = arm + 1;
			}
			if (len > 2)
				changed |= group_run(run, len);
		}
	}
	for (size_t i = 0; i < n; i++)
		topo[i]->mark = 0;
	free(preds);
	free(run);
	return changed;
}

/*
 * Word combining.  `ldh [14] == 0xfefe` whose true arm is `ldb [17] ==
 * 0x83`, both rejecting otherwise, is one masked word test `ld [14] &
 * 0xffff00ff == 0xfefe0083`: the word ends on the farther byte of the
 * two, so a packet too short for it was rejected by the pair as well.
 * Only for values no other block tests, whose load the emitter could
 * otherwise share.
 */
struct piece {
	struct ir_val *load;
	uint32_t mask, val;
};

/* A test `load == k` or `(load & m) == k` on an absolute load. */
static bool piece_of(const struct ir_block *b, struct piece *p)
{
	uint32_t k, m = 0xffffffffu;
	struct ir_val *v = b->a;
	if (!v || b->rel != IR_JEQ || !ir_val_const(b->b, &k))
		return false;
	if (v->kind == IR_BIN && v->op == IR_AND && ir_val_const(v->b, &m))
		v = v->a;
	if (v->kind != IR_LOAD || v->a)
		return false;
	uint32_t full = v->size == 4 ? 0xffffffffu : (1u << (8 * v->size)) - 1;
	*p = (struct piece){ .load = v, .mask = m & full, .val = k };
	return !(k & ~p->mask);
}

static bool is_reject(const struct ir_block *b)
{
	return !b->a && b->ret == 0;
}

static bool combine_pair(struct ir *ir, struct ir_block *b, const int *uses, uint32_t nv)
{
	struct ir_block *c = b->jt;
	struct piece x, y;
	if (!is_reject(b->jf) || !c->a || c->jf != b->jf || b->a->id > nv || c->a->id > nv ||
	    uses[b->a->id] != 1 ||
	    uses[c->a->id] != 1 || !piece_of(b, &x) || !piece_of(c, &y))
		return false;
	uint32_t ex = x.load->k + x.load->size, ey = y.load->k + y.load->size;
	uint32_t end = ex > ey ? ex : ey, lo = x.load->k < y.load->k ? x.load->k : y.load->k;
	if (end < 4 || end - 4 > lo || x.load == y.load)
		return false;
	uint32_t w = end - 4, mx = x.mask << 8 * (end - ex), my = y.mask << 8 * (end - ey);
	uint32_t vx = x.val << 8 * (end - ex), vy = y.val << 8 * (end - ey);
	if ((mx & my & (vx ^ vy)))
		return false; /* contradictory: left to the other passes */
	uint32_t m = mx | my;
	struct ir_val *v = ir_load(ir, 4, w, NULL);
	if (m != 0xffffffffu)
		v = ir_bin(ir, IR_AND, v, ir_const(ir, m));
	if (!v)
		return false;
	b->a = v;
	b->b = ir_const(ir, vx | vy);
	b->jt = c->jt;
	return b->b != NULL;
}

static bool combine_words(struct ir *ir, struct ir_block **topo, size_t n)
{
	uint32_t nv = 0;
	for (size_t i = 0; i < n; i++)
		if (topo[i]->a && topo[i]->a->id > nv)
			nv = topo[i]->a->id;
	int *uses = calloc(nv + 1, sizeof(*uses));
	if (!uses)
		return false;
	for (size_t i = 0; i < n; i++)
		if (topo[i]->a)
			uses[topo[i]->a->id]++;
	bool changed = false;
	for (size_t i = 0; i < n; i++)
		if (topo[i]->a && topo[i]->jt->a)
			changed |= combine_pair(ir, topo[i], uses, nv);
	free(uses);
	return changed;
}

/* Rebuilds the DAG bottom-up through ir_test (folds and shares). */
static struct ir_block *rebuild(struct ir *ir, struct ir_block **topo, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		struct ir_block *b = topo[i];
		if (!b->a) {
			b->aux = b;
			continue;
		}
		struct ir_block *jt = b->jt->aux, *jf = b->jf->aux;
		b->aux = ir_test(ir, b->a, (enum ir_rel)b->rel, b->b, jt, jf);
		if (!b->aux)
			return NULL;
	}
	return topo[0]->aux;
}

struct ir_block *ir_optimize(struct ir *ir, struct ir_block *root)
{
	for (int pass = 0; root && root->a && pass < MAXPASSES; pass++) {
		size_t n;
		struct ir_block **topo = ir_topo(root, &n);
		struct facts *fs = topo ? malloc(n * sizeof(*fs)) : NULL;
		if (!fs) {
			free(topo);
			ir->oom = true;
			return NULL;
		}
		bool changed = thread_pass(topo, n, fs);
		changed |= group_chains(topo, n);
		if (!changed)
			changed |= combine_words(ir, topo, n);
		struct ir_block *nroot = rebuild(ir, topo, n);
		free(fs);
		free(topo);
		if (!nroot)
			return NULL;
		if (!changed && nroot == root)
			break;
		root = nroot;
	}
	return root;
}
