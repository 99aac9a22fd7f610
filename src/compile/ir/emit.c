/*
 * Classic BPF emission from the block DAG.
 *
 * Blocks are laid out in topological order (each block's false arm placed
 * right after it when nothing else claims it first), leaves last.  Each
 * block computes its test's operands into A (and X for `A REL X`) and ends
 * in one conditional jump.  The emitter remembers which value A and X
 * hold when a block ends; a block whose predecessors all leave the value
 * it needs in A skips the load (how `jeq #0x86dd` / `jeq #0x800` share
 * one `ldh [12]`).  Jumps farther than classic BPF's 8-bit offsets go
 * through an inserted `ja`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/ir/ir_internal.h"

enum {
	LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07,
	W = 0x00, H = 0x08, B = 0x10, IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80,
	MSH = 0xa0, K = 0x00, X = 0x08, TAX = 0x00, TXA = 0x80, JA = 0x00, NEG = 0x80,
};

#define MEMWORDS 16

struct code {
	VEC(struct moat_cbpf_insn) v;
};

struct bstate {
	const struct ir_val *a_in, *x_in, *a_out, *x_out;
	bool in_set;
	struct code code; /* the block's instructions, jump last (k unused) */
	size_t start, size;
	unsigned tramp;   /* 0, 1 (jt via ja) or 2 (jt and jf via ja) bits */
	bool dead;        /* merged into an identical later block */
};

struct gen {
	const struct ir_val *a, *x; /* what A and X hold, NULL = unknown */
	unsigned depth;             /* scratch words in use */
	struct code *out;
	int err;
};

static void put(struct gen *g, uint16_t code, uint32_t k)
{
	struct moat_cbpf_insn in = { .code = code, .k = k };
	if (vec_push(&g->out->v, in) < 0)
		g->err = -ENOMEM;
}

static bool uses_x(const struct ir_val *v)
{
	switch (v->kind) {
	case IR_CONST: case IR_LEN: return false;
	case IR_LOAD: return v->a != NULL;
	case IR_MSH: return true;
	case IR_NEG: return uses_x(v->a);
	case IR_BIN: return v->b->kind != IR_CONST || uses_x(v->a);
	}
	return true;
}

/* Values X can load without touching A. */
static bool x_direct(const struct ir_val *v)
{
	return v->kind == IR_CONST || v->kind == IR_LEN || v->kind == IR_MSH;
}

static void gen_a(struct gen *g, const struct ir_val *v);

static void gen_x(struct gen *g, const struct ir_val *v)
{
	if (g->x == v)
		return;
	switch (v->kind) {
	case IR_CONST: put(g, LDX | W | IMM, v->k); break;
	case IR_LEN: put(g, LDX | W | LEN, 0); break;
	case IR_MSH: put(g, LDX | B | MSH, v->k); break;
	case IR_LOAD: case IR_BIN: case IR_NEG:
		gen_a(g, v);
		put(g, MISC | TAX, 0);
		break;
	}
	g->x = v;
}

static const uint16_t size_code[5] = { 0, B, H, 0, W };

static bool commutes(uint8_t op)
{
	return op == IR_ADD || op == IR_MUL || op == IR_AND || op == IR_OR || op == IR_XOR;
}

static void gen_bin(struct gen *g, const struct ir_val *v)
{
	const struct ir_val *a = v->a, *b = v->b;
	if (b->kind != IR_CONST && commutes(v->op) && (x_direct(a) || g->x == a) &&
	    !x_direct(b) && g->x != b) {
		const struct ir_val *t = a; /* X can hold a: compute b in A instead */
		a = b;
		b = t;
	}
	if (b->kind == IR_CONST) {
		gen_a(g, a);
		put(g, ALU | v->op | K, b->k);
	} else if (x_direct(b) || g->x == b) {
		gen_a(g, a);
		gen_x(g, b);
		put(g, ALU | v->op | X, 0);
	} else if (!uses_x(a)) {
		gen_x(g, b);
		gen_a(g, a);
		put(g, ALU | v->op | X, 0);
	} else {
		if (g->depth >= MEMWORDS) {
			g->err = -E2BIG;
			return;
		}
		unsigned m = g->depth++;
		gen_a(g, b);
		put(g, ST, m);
		gen_a(g, a);
		put(g, LDX | W | MEM, m);
		g->x = NULL;
		put(g, ALU | v->op | X, 0);
		g->depth--;
	}
}

static void gen_a(struct gen *g, const struct ir_val *v)
{
	if (g->a == v)
		return;
	switch (v->kind) {
	case IR_CONST: put(g, LD | W | IMM, v->k); break;
	case IR_LEN: put(g, LD | W | LEN, 0); break;
	case IR_LOAD:
		if (v->a) {
			gen_x(g, v->a);
			put(g, LD | size_code[v->size] | IND, v->k);
		} else {
			put(g, LD | size_code[v->size] | ABS, v->k);
		}
		break;
	case IR_MSH:
		gen_x(g, v);
		put(g, MISC | TXA, 0);
		break;
	case IR_NEG:
		gen_a(g, v->a);
		put(g, ALU | NEG, 0);
		break;
	case IR_BIN: gen_bin(g, v); break;
	}
	g->a = v;
}

/* The block's operand code and its jump (offsets filled at layout). */
static void gen_block(struct gen *g, const struct ir_block *b)
{
	const struct ir_val *rhs = b->b;
	if (rhs->kind == IR_CONST) {
		gen_a(g, b->a);
		put(g, JMP | b->rel | K, rhs->k);
		return;
	}
	if (x_direct(rhs) || g->x == rhs) {
		gen_a(g, b->a);
		gen_x(g, rhs);
	} else if (!uses_x(b->a)) {
		gen_x(g, rhs);
		gen_a(g, b->a);
	} else {
		if (g->depth >= MEMWORDS) {
			g->err = -E2BIG;
			return;
		}
		gen_a(g, rhs);
		put(g, ST, g->depth);
		gen_a(g, b->a);
		put(g, LDX | W | MEM, g->depth);
		g->x = rhs;
	}
	put(g, JMP | b->rel | X, 0);
}

static void flow(struct bstate *st, const struct ir_block *succ, const struct gen *g)
{
	struct bstate *s = &st[succ->order];
	if (!s->in_set) {
		s->a_in = g->a;
		s->x_in = g->x;
		s->in_set = true;
		return;
	}
	if (s->a_in != g->a)
		s->a_in = NULL;
	if (s->x_in != g->x)
		s->x_in = NULL;
}

/* Places block starts; returns true when every jump fits in 8 bits. */
static bool layout(struct ir_block **topo, size_t n, struct bstate *st, size_t *total)
{
	size_t pc = 0;
	for (size_t i = 0; i < n; i++) {
		st[i].start = pc;
		st[i].size = !topo[i]->a ? 1 : st[i].dead ? 0 : st[i].code.v.n + __builtin_popcount(st[i].tramp);
		pc += st[i].size;
	}
	*total = pc;
	bool fits = true;
	for (size_t i = 0; i < n; i++) {
		const struct ir_block *b = topo[i];
		if (!b->a || st[i].dead)
			continue;
		size_t jpc = st[i].start + st[i].code.v.n - 1;
		size_t dt = st[b->jt->order].start - jpc - 1, df = st[b->jf->order].start - jpc - 1;
		if (dt > 255 && !(st[i].tramp & 1)) {
			st[i].tramp |= 1;
			fits = false;
		}
		if (df > 255 && !(st[i].tramp & 2)) {
			st[i].tramp |= 2;
			fits = false;
		}
	}
	return fits;
}

static void place(struct ir_block **topo, size_t n, struct bstate *st, struct moat_cbpf_insn *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct ir_block *b = topo[i];
		struct moat_cbpf_insn *p = out + st[i].start;
		if (!b->a) {
			*p = (struct moat_cbpf_insn){ .code = RET | K, .k = b->ret };
			continue;
		}
		if (st[i].dead)
			continue;
		memcpy(p, st[i].code.v.v, st[i].code.v.n * sizeof(*p));
		size_t jpc = st[i].start + st[i].code.v.n - 1, next = jpc + 1;
		size_t t = st[b->jt->order].start, f = st[b->jf->order].start;
		struct moat_cbpf_insn *j = &out[jpc];
		if (st[i].tramp & 1) {
			out[next] = (struct moat_cbpf_insn){ .code = JMP | JA, .k = (uint32_t)(t - next - 1) };
			t = next++;
		}
		if (st[i].tramp & 2) {
			out[next] = (struct moat_cbpf_insn){ .code = JMP | JA, .k = (uint32_t)(f - next - 1) };
			f = next++;
		}
		j->jt = (uint8_t)(t - jpc - 1);
		j->jf = (uint8_t)(f - jpc - 1);
	}
}

static bool same_code(const struct bstate *x, const struct bstate *y)
{
	return x->code.v.n == y->code.v.n &&
	       !memcmp(x->code.v.v, y->code.v.v, x->code.v.n * sizeof(*x->code.v.v));
}

/*
 * Tail merging: two blocks whose instructions are identical and whose arms
 * go to the same places behave identically whatever values their
 * predecessors left in A and X, so the earlier one is dropped and its
 * predecessors jump to the later one (still a forward jump).  This
 * shares, e.g., the final `jgt #hi` of the IPv4 and IPv6 halves of a
 * port range, which test different values with the same code.  Walking
 * backwards lets merged successors make their predecessors equal.
 */
static void merge_tails(struct ir_block **topo, size_t n, struct bstate *st)
{
	for (size_t i = n; i-- > 1;) {
		struct ir_block *b = topo[i];
		if (!b->a)
			continue;
		for (size_t j = i + 1; j < n; j++) {
			struct ir_block *c = topo[j];
			if (!c->a || st[j].dead || b->jt != c->jt || b->jf != c->jf ||
			    !same_code(&st[i], &st[j]))
				continue;
			st[i].dead = true;
			for (size_t k = 0; k < i; k++) {
				if (topo[k]->jt == b)
					topo[k]->jt = c;
				if (topo[k]->jf == b)
					topo[k]->jf = c;
			}
			break;
		}
	}
}

/* Topological order with the leaves moved to the end (accept first). */
static void leaves_last(struct ir_block **topo, size_t n)
{
	size_t w = 0, nl = 0;
	struct ir_block *leaf[n ? n : 1];
	for (size_t i = 0; i < n; i++) {
		if (topo[i]->a)
			topo[w++] = topo[i];
		else
			leaf[nl++] = topo[i];
	}
	for (size_t i = 0; i < nl; i++) /* nonzero returns first, as tcpdump shows them */
		if (leaf[i]->ret)
			topo[w++] = leaf[i];
	for (size_t i = 0; i < nl; i++)
		if (!leaf[i]->ret)
			topo[w++] = leaf[i];
	for (size_t i = 0; i < n; i++)
		topo[i]->order = (int)i;
}

int ir_emit_cbpf(struct ir *ir, struct ir_block *root, struct moat_cbpf_insn **out, size_t *nout,
		 struct moat_error *err)
{
	size_t n, total = 0;
	int rc = 0;
	if (!root || ir->oom)
		return moat_error_set(err, ENOMEM, "out of memory");
	struct ir_block **topo = ir_topo(root, &n);
	struct bstate *st = topo ? calloc(n, sizeof(*st)) : NULL;
	if (!st) {
		free(topo);
		return moat_error_set(err, ENOMEM, "out of memory");
	}
	leaves_last(topo, n);
	for (size_t i = 0; i < n && !rc; i++) {
		if (!topo[i]->a)
			continue;
		struct gen g = { .a = st[i].a_in, .x = st[i].x_in, .out = &st[i].code };
		gen_block(&g, topo[i]);
		rc = g.err;
		flow(st, topo[i]->jt, &g);
		flow(st, topo[i]->jf, &g);
	}
	if (rc == -E2BIG)
		moat_error_set(err, E2BIG, "expression too complex: out of scratch memory");
	else if (rc)
		moat_error_set(err, ENOMEM, "out of memory");
	if (!rc)
		merge_tails(topo, n, st);
	while (!rc && !layout(topo, n, st, &total))
		;
	if (!rc && total > MOAT_CBPF_MAXINSNS)
		rc = moat_error_set(err, E2BIG, "program too large: %zu instructions (limit %d)",
				    total, MOAT_CBPF_MAXINSNS);
	if (!rc) {
		*out = calloc(total, sizeof(**out));
		if (!*out)
			rc = moat_error_set(err, ENOMEM, "out of memory");
		else
			place(topo, n, st, *out);
		*nout = total;
	}
	for (size_t i = 0; i < n; i++)
		vec_release(&st[i].code.v);
	free(st);
	free(topo);
	return rc;
}
