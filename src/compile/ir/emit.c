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
	bool dead;        /* merged into an identical later block, or unreachable */
	struct ir_block *alias; /* rebased: entries jump to this block's first insn */
	unsigned skip;    /* insns the block's own entries jump over (a rebase stub) */
	bool merged;      /* code rewritten by a rebase: never matched again */
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
	case IR_MSH: case IR_CHAIN: return true;
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
	case IR_LOAD: case IR_BIN: case IR_NEG: case IR_CHAIN:
		gen_a(g, v);
		put(g, MISC | TAX, 0);
		break;
	}
	g->x = v;
}

static const uint16_t size_code[5] = { 0, B, H, 0, W };

static void putj(struct gen *g, uint16_t code, uint32_t k, size_t jt, size_t jf)
{
	struct moat_cbpf_insn in = { .code = code, .k = k, .jt = (uint8_t)jt, .jf = (uint8_t)jf };
	if (vec_push(&g->out->v, in) < 0)
		g->err = -ENOMEM;
}

/*
 * libpcap's protochain loop, unrolled (see ir_chain).  Each step tests
 * the current protocol A against the one sought, then against the IPv6
 * extension headers (advance: A = P[X], X += (P[X+1] + 1) * 8) and AH
 * (A = P[X], X = (P[X+1] + 2) * 4, libpcap's arithmetic, kept); both
 * compute the new X in A, then share `st M; ldb [x]; ldx M`.  A protocol
 * that is none of these leaves A and X as they are, and every later step
 * then passes it on unchanged, so each step's exits go to the next step
 * (short forward jumps) and the last falls out with A the protocol the
 * walk stopped on.  Step layout (IPv6, 17 instructions):
 *   0 jeq want->next  1-4 jeq ext->adv  5 jeq AH->ah, else next
 *   6-9 adv: ldb [x+1] add #1 lsh #3 add x  10 ja tail
 *   11-13 ah: ldb [x+1] add #2 lsh #2  14-16 tail: st M ldb [x] ldx M
 * IPv4 steps (8) have no extension headers: 0 jeq want, 1 jeq AH, ah, tail.
 */
static void gen_chain(struct gen *g, const struct ir_val *v)
{
	static const uint8_t ext6[] = { 0, 60, 43, 44 }; /* hop-by-hop, dstopts, routing, fragment */
	uint32_t nl = v->k, want = v->a->k;
	bool six = v->size == 6;
	if (g->depth >= MEMWORDS) {
		g->err = -E2BIG;
		return;
	}
	unsigned m = g->depth, depth = six ? IR_CHAIN_DEPTH6 : IR_CHAIN_DEPTH4;
	const size_t nj = six ? 6 : 2, adv = six ? 5 : 0, step = nj + adv + 6;
	put(g, LD | B | ABS, nl + (six ? 6 : 9));
	if (six)
		put(g, LDX | W | IMM, 40);
	else
		put(g, LDX | B | MSH, nl);
	for (unsigned d = 0; d < depth; d++) {
		putj(g, JMP | IR_JEQ | K, want, step - 1, 0);
		for (size_t i = 0; six && i < 4; i++)
			putj(g, JMP | IR_JEQ | K, ext6[i], nj - 1 - (i + 1), 0);
		putj(g, JMP | IR_JEQ | K, 51, adv, step - nj); /* AH */
		if (six) {
			put(g, LD | B | IND, nl + 1);
			put(g, ALU | IR_ADD | K, 1);
			put(g, ALU | IR_LSH | K, 3);
			put(g, ALU | IR_ADD | X, 0);
			put(g, JMP | JA, 3);
		}
		put(g, LD | B | IND, nl + 1);
		put(g, ALU | IR_ADD | K, 2);
		put(g, ALU | IR_LSH | K, 2);
		put(g, ST, m);
		put(g, LD | B | IND, nl);
		put(g, LDX | W | MEM, m);
	}
	g->x = NULL;
}

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
	case IR_CHAIN: gen_chain(g, v); break;
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

/* Where a jump to block t lands. */
static size_t entry(const struct bstate *st, const struct ir_block *t)
{
	const struct bstate *s = &st[t->order];
	return s->alias ? st[s->alias->order].start : s->start + s->skip;
}

/* Places block starts; returns true when every jump fits in 8 bits. */
static bool layout(struct ir_block **topo, size_t n, struct bstate *st, size_t *total)
{
	size_t pc = 0;
	for (size_t i = 0; i < n; i++) {
		st[i].start = pc;
		st[i].size = st[i].dead ? 0 : !topo[i]->a ? 1 : st[i].code.v.n + __builtin_popcount(st[i].tramp);
		pc += st[i].size;
	}
	*total = pc;
	bool fits = true;
	for (size_t i = 0; i < n; i++) {
		const struct ir_block *b = topo[i];
		if (!b->a || st[i].dead)
			continue;
		size_t jpc = st[i].start + st[i].code.v.n - 1;
		size_t dt = entry(st, b->jt) - jpc - 1, df = entry(st, b->jf) - jpc - 1;
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
		if (st[i].dead)
			continue;
		if (!b->a) {
			*p = (struct moat_cbpf_insn){ .code = RET | K, .k = b->ret };
			continue;
		}
		memcpy(p, st[i].code.v.v, st[i].code.v.n * sizeof(*p));
		size_t jpc = st[i].start + st[i].code.v.n - 1, next = jpc + 1;
		size_t t = entry(st, b->jt), f = entry(st, b->jf);
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

/*
 * Rebased tail merging.  The IPv6 half of `port 80` tests [54] and [56]
 * where the IPv4 half, after `ldxb 4*([14]&0xf)`, tests [x+14] and [x+16]:
 * the same code once X holds 40.  When a block b's subgraph equals the
 * subgraph of a block c whose code starts with an X load, except that b
 * loads at absolute offsets exactly D past c's indexed ones, c's X load
 * moves up into its predecessors (each ends in a jump whose other arm
 * rejects, so an earlier failing load changes nothing), c starts instead
 * with a stub `ldx #D` that only b's predecessors enter, and b's subgraph
 * goes: one instruction added, b's subgraph removed.
 */
#define REBASE_DEPTH 8

static bool touches_x(const struct moat_cbpf_insn *in)
{
	unsigned cls = in->code & 7;
	switch (cls) {
	case LDX: case STX: return true;
	case LD: return (in->code & 0xe0) == IND || (in->code & 0xe0) == MSH;
	case ALU: case JMP: return (in->code & X) && (in->code & 0xf0) != NEG;
	case MISC: return true;
	default: return false;
	}
}

/* Whether code run from block b may read X before writing it. */
static bool reads_x_in(const struct bstate *st, const struct ir_block *b, unsigned depth)
{
	if (!b->a)
		return false;
	const struct bstate *s = &st[b->order];
	if (s->alias || depth > REBASE_DEPTH)
		return true;
	for (size_t i = s->skip; i < s->code.v.n; i++) {
		const struct moat_cbpf_insn *in = &s->code.v.v[i];
		if ((in->code & 7) == LDX || in->code == (MISC | TAX))
			return false;
		if (touches_x(in))
			return true;
	}
	return reads_x_in(st, b->jt, depth + 1) || reads_x_in(st, b->jf, depth + 1);
}

/* x (b's side) and y (c's side) agree once X holds d. */
static bool insn_rebased(const struct moat_cbpf_insn *x, const struct moat_cbpf_insn *y,
			 uint32_t d)
{
	if (touches_x(x) || x->jt != y->jt || x->jf != y->jf)
		return false;
	if (x->code == y->code && x->k == y->k)
		return true;
	return (x->code & 0xe7) == (LD | ABS) && y->code == ((x->code & ~0xe0) | IND) &&
	       x->k >= y->k && x->k - y->k == d;
}

static bool rebase_eq(const struct bstate *st, const struct ir_block *b, const struct ir_block *c,
		      uint32_t d, unsigned depth)
{
	if (b == c)
		return !reads_x_in(st, b, depth);
	if (!b->a || !c->a || depth > REBASE_DEPTH)
		return false;
	const struct bstate *sb = &st[b->order], *sc = &st[c->order];
	if (sb->dead || sc->dead || sb->alias || sc->alias || sb->merged || sc->merged ||
	    sb->code.v.n != sc->code.v.n)
		return false;
	for (size_t i = 0; i < sb->code.v.n; i++)
		if (!insn_rebased(&sb->code.v.v[i], &sc->code.v.v[i], d))
			return false;
	return rebase_eq(st, b->jt, c->jt, d, depth + 1) &&
	       rebase_eq(st, b->jf, c->jf, d, depth + 1);
}

/* The offset D making b's first block c's minus its leading X load. */
static bool rebase_offset(const struct bstate *sb, const struct bstate *sc, uint32_t *d)
{
	if (sc->code.v.n < 2 || sb->code.v.n != sc->code.v.n - 1 ||
	    (sc->code.v.v[0].code & 7) != LDX)
		return false;
	for (size_t i = 0; i < sb->code.v.n; i++) {
		const struct moat_cbpf_insn *x = &sb->code.v.v[i], *y = &sc->code.v.v[i + 1];
		if ((x->code & 0xe7) == (LD | ABS) && y->code == ((x->code & ~0xe0) | IND) &&
		    x->k >= y->k) {
			*d = x->k - y->k;
			return true;
		}
	}
	return false;
}

static bool top_rebased(const struct bstate *st, const struct ir_block *b,
			const struct ir_block *c, uint32_t d)
{
	const struct bstate *sb = &st[b->order], *sc = &st[c->order];
	for (size_t i = 0; i < sb->code.v.n; i++)
		if (!insn_rebased(&sb->code.v.v[i], &sc->code.v.v[i + 1], d))
			return false;
	return rebase_eq(st, b->jt, c->jt, d, 1) && rebase_eq(st, b->jf, c->jf, d, 1);
}

static bool is_reject(const struct ir_block *b)
{
	return !b->a && b->ret == 0;
}

/* Whether c's leading X load can move into every live predecessor; counts them. */
static bool hoistable(struct ir_block **topo, const struct bstate *st,
		      const struct ir_block *c, size_t *npred)
{
	const struct moat_cbpf_insn *p = &st[c->order].code.v.v[0];
	bool safe = (p->code & 0xe0) == IMM || (p->code & 0xe0) == LEN;
	*npred = 0;
	for (size_t k = 0; k < (size_t)c->order; k++) {
		const struct ir_block *q = topo[k];
		const struct bstate *s = &st[k];
		if (!q->a || s->dead || s->alias || (q->jt != c && q->jf != c))
			continue;
		const struct ir_block *other = q->jt == c ? q->jf : q->jt;
		const struct moat_cbpf_insn *j = &s->code.v.v[s->code.v.n - 1];
		if (other == c || (j->code & X) || (!safe && !is_reject(other)))
			return false;
		++*npred;
	}
	return *npred > 0;
}

static int hoist(struct ir_block **topo, struct bstate *st, const struct ir_block *c)
{
	struct moat_cbpf_insn p = st[c->order].code.v.v[0];
	for (size_t k = 0; k < (size_t)c->order; k++) {
		const struct ir_block *q = topo[k];
		struct bstate *s = &st[k];
		if (!q->a || s->dead || s->alias || (q->jt != c && q->jf != c))
			continue;
		struct moat_cbpf_insn j = s->code.v.v[s->code.v.n - 1];
		if (vec_push(&s->code.v, j) < 0)
			return -ENOMEM;
		s->code.v.v[s->code.v.n - 2] = p;
	}
	return 0;
}

/* Whether every live predecessor of b is laid out before c. */
static bool preds_before(struct ir_block **topo, size_t n, const struct bstate *st,
			 const struct ir_block *b, const struct ir_block *c)
{
	for (size_t k = 0; k < n; k++) {
		const struct ir_block *q = topo[k];
		if (q->a && !st[k].dead && (q->jt == b || q->jf == b) &&
		    (st[k].alias || k >= (size_t)c->order))
			return false;
	}
	return true;
}

static int rebase_tails(struct ir_block **topo, size_t n, struct bstate *st)
{
	for (size_t j = 1; j < n; j++) {
		struct ir_block *c = topo[j];
		struct bstate *sc = &st[j];
		if (!c->a || sc->dead || sc->merged || sc->code.v.n < 2 ||
		    (sc->code.v.v[0].code & 7) != LDX)
			continue;
		for (size_t i = 1; i < n; i++) {
			struct ir_block *b = topo[i];
			struct bstate *sb = &st[i];
			uint32_t d;
			size_t npred;
			if (i == j || !b->a || sb->dead || sb->alias || sb->merged ||
			    !rebase_offset(sb, sc, &d) || !top_rebased(st, b, c, d) ||
			    !preds_before(topo, n, st, b, c) ||
			    !hoistable(topo, st, c, &npred) || npred >= sb->code.v.n)
				continue;
			if (hoist(topo, st, c) < 0)
				return -ENOMEM;
			sc->code.v.v[0] = (struct moat_cbpf_insn){ .code = LDX | W | IMM, .k = d };
			sc->skip = 1;
			sc->merged = true;
			sb->alias = c;
			break;
		}
	}
	return 0;
}

static void reach(struct ir_block *b, struct bstate *st)
{
	struct bstate *s = &st[b->order];
	if (s->in_set)
		return;
	s->in_set = true;
	if (s->alias)
		reach(s->alias, st);
	else if (b->a) {
		reach(b->jt, st);
		reach(b->jf, st);
	}
}

/* Blocks no jump reaches any more (merged or rebased away) take no space. */
static void mark_dead(struct ir_block **topo, size_t n, struct bstate *st)
{
	for (size_t i = 0; i < n; i++)
		st[i].in_set = false;
	if (n)
		reach(topo[0], st);
	for (size_t i = 0; i < n; i++)
		st[i].dead = !st[i].in_set || st[i].alias;
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
	if (!rc) {
		merge_tails(topo, n, st);
		rc = rebase_tails(topo, n, st);
		if (rc)
			moat_error_set(err, ENOMEM, "out of memory");
		else
			mark_dead(topo, n, st);
	}
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
