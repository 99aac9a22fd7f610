/*
 * The two searches of a seccomp program: over syscall numbers (and over
 * one argument word when a syscall's rules all test the same argument),
 * and the generic 64-bit argument comparisons.
 *
 * Classic BPF compares A with 32-bit constants only, and seccomp_data's
 * arguments are 64-bit, so a comparison of an argument is made of its high
 * word (offset 16 + 8*i + 4) and its low word (16 + 8*i): "a > V" is
 * "hi > V.hi, or hi == V.hi and lo > V.lo".
 */
#include <stdlib.h>
#include <string.h>

#include "compile/seccomp/gen.h"

#define ARG_LO(i) (16u + 8u * (i))
#define ARG_HI(i) (16u + 8u * (i) + 4u)

/* ---------------------------------------------------------------- range search */

static int ceil_log2(size_t n)
{
	int d = 0;
	while (((size_t)1 << d) < n)
		d++;
	return d;
}

static uint64_t range_end(const struct sc_range *r, size_t n, size_t i, uint64_t end)
{
	return i + 1 < n ? r[i + 1].lo : end;
}

/*
 * A jeq chain fits when, apart from a background target X, every range is
 * one value: then "jeq v1 -> T1; jeq v2 -> T2; ...; else X" costs one
 * instruction per value instead of one per range boundary.  Returns the
 * number of values (0 when no chain fits) and the background in *x.
 */
static size_t chain_fit(const struct sc_range *r, size_t n, uint64_t end, int *x)
{
	for (size_t c = 0; c < 2 && c < n; c++) {
		size_t k = 0;
		bool ok = true;
		for (size_t i = 0; i < n && ok; i++) {
			if (r[i].target == r[c].target)
				continue;
			ok = range_end(r, n, i, end) - r[i].lo == 1;
			k++;
		}
		if (ok) {
			*x = r[c].target;
			return k;
		}
	}
	return 0;
}

/*
 * Emits the search of r[0..n) and returns the label where it starts: a
 * range's own target when n == 1 (no code), else a new label placed here.
 * The tree is balanced on the number of ranges, so the deepest path is
 * ceil(log2(n)) comparisons; a chain is taken instead when it is no longer
 * than the tree's depth plus one and shorter than the tree in instructions.
 */
static int search(struct sc_gen *g, const struct sc_range *r, size_t n, uint64_t end)
{
	if (n == 1)
		return r[0].target;
	int here = sc_label_new(g);
	sc_label_place(g, here, true);
	int x;
	size_t k = chain_fit(r, n, end, &x);
	if (k && k < n && (int)k <= ceil_log2(n) + 1) {
		size_t done = 0;
		for (size_t i = 0; i < n; i++) {
			if (r[i].target == x)
				continue;
			bool last = ++done == k;
			int next = last ? x : sc_label_new(g);
			sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, r[i].lo, r[i].target, next);
			if (!last)
				sc_label_place(g, next, true);
		}
		return here;
	}
	size_t m = n / 2;
	size_t at = sc_emit(g, BPF_JMP | BPF_JGE | BPF_K, r[m].lo, -1, -1);
	int left = search(g, r, m, r[m].lo);
	int right = search(g, r + m, n - m, end);
	if (!g->oom) {
		g->code.v[at].jt = right;
		g->code.v[at].jf = left;
	}
	return here;
}

void sc_emit_search(struct sc_gen *g, const struct sc_range *r, size_t n, uint64_t end)
{
	if (n == 1)
		sc_emit(g, BPF_JMP | BPF_JA, 0, r[0].target, -1);
	else
		search(g, r, n, end);
}

/* ------------------------------------------------------- argument comparisons */

/* args[c->arg] compared with c->value: to P when it holds, F when not. */
static void emit_cmp(struct sc_gen *g, const struct sc_cmp *c, int P, int F)
{
	uint32_t hi = (uint32_t)(c->value >> 32), lo = (uint32_t)c->value;
	int mid = sc_label_new(g);
	switch ((enum sc_op)c->op) {
	case SC_EQ:
	case SC_NE: {
		int t = c->op == SC_EQ ? P : F, f = c->op == SC_EQ ? F : P;
		sc_emit_ld(g, ARG_HI(c->arg));
		sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, hi, mid, f);
		sc_label_place(g, mid, true);
		sc_emit_ld(g, ARG_LO(c->arg));
		sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, lo, t, f);
		return;
	}
	case SC_GT:
	case SC_GE:
	case SC_LT:
	case SC_LE: {
		/* a > V for GT and LE (LE = not GT), a >= V for GE and LT (LT = not GE) */
		bool strict = c->op == SC_GT || c->op == SC_LE;
		bool pos = c->op == SC_GT || c->op == SC_GE;
		int t = pos ? P : F, f = pos ? F : P;
		sc_emit_ld(g, ARG_HI(c->arg));
		if (hi == 0) {
			sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, mid, t); /* hi > 0: above V */
		} else if (hi == UINT32_MAX) {
			sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, hi, mid, f); /* hi < V.hi: below */
		} else {
			int eq = sc_label_new(g);
			sc_emit(g, BPF_JMP | BPF_JGT | BPF_K, hi, t, eq);
			sc_label_place(g, eq, true);
			sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, hi, mid, f);
		}
		sc_label_place(g, mid, true);
		sc_emit_ld(g, ARG_LO(c->arg));
		sc_emit(g, BPF_JMP | (strict ? BPF_JGT : BPF_JGE) | BPF_K, lo, t, f);
		return;
	}
	case SC_MASKED_EQ: {
		/* (a & M) == V, V inside M: a half whose mask is 0 always matches */
		uint32_t mhi = (uint32_t)(c->mask >> 32), mlo = (uint32_t)c->mask;
		if (mhi) {
			sc_emit_ld(g, ARG_HI(c->arg));
			if (mhi != UINT32_MAX) {
				sc_emit(g, BPF_ALU | BPF_AND | BPF_K, mhi, -1, -1);
				g->a_word = -1;
			}
			sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, hi, mid, F);
			sc_label_place(g, mid, true);
		}
		if (!mlo) {
			sc_emit(g, BPF_JMP | BPF_JA, 0, P, -1);
			return;
		}
		sc_emit_ld(g, ARG_LO(c->arg));
		if (lo == 0) {
			sc_emit(g, BPF_JMP | BPF_JSET | BPF_K, mlo, F, P);
			return;
		}
		if (mlo != UINT32_MAX) {
			sc_emit(g, BPF_ALU | BPF_AND | BPF_K, mlo, -1, -1);
			g->a_word = -1;
		}
		sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, lo, P, F);
		return;
	}
	}
}

/* Rules compared one after the other: the general case. */
static void emit_chain(struct sc_gen *g, const struct sc_rule *rules, size_t n, int otherwise)
{
	for (size_t i = 0; i < n; i++) {
		const struct sc_rule *r = &rules[i];
		int next = i + 1 < n ? sc_label_new(g) : otherwise;
		int pass = sc_ret_label(g, r->action);
		for (uint32_t k = 0; k < r->ncmp; k++) {
			bool last = k + 1 == r->ncmp;
			int cont = last ? pass : sc_label_new(g);
			emit_cmp(g, &r->cmp[k], cont, next);
			/* A holds the high word on some ways in, the low word on others */
			if (!last)
				sc_label_place(g, cont, false);
		}
		if (i + 1 < n)
			sc_label_place(g, next, false);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The label a value of the argument reaches: the first rule that holds. */
static int first_match(struct sc_gen *g, const struct sc_rule *rules, size_t n, uint64_t v,
		       int otherwise)
{
	for (size_t i = 0; i < n; i++)
		if (sc_cmp_holds(&rules[i].cmp[0], v))
			return sc_ret_label(g, rules[i].action);
	return otherwise;
}

/*
 * Rules that each test the same argument once (socket's family,
 * personality's persona) split the argument's 64-bit range into intervals
 * with one outcome each; their boundaries are the only values where the
 * outcome can change.  When every boundary is at most 2^32, the high word
 * decides alone above 2^32 and the low word is one range search, like the
 * syscall numbers'.  Returns false (nothing emitted) when the rules do not
 * have that shape.
 */
static bool emit_one_arg(struct sc_gen *g, const struct sc_rule *rules, size_t n, int otherwise)
{
	uint64_t b[2 * 64 + 1];
	size_t nb = 0;
	if (n > 64)
		return false;
	b[nb++] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sc_cmp *c = &rules[i].cmp[0];
		if (rules[i].ncmp != 1 || c->arg != rules[0].cmp[0].arg || c->op == SC_MASKED_EQ)
			return false;
		bool at = c->op != SC_LE && c->op != SC_GT;          /* v itself starts a range */
		bool after = c->op == SC_EQ || c->op == SC_NE || !at; /* v + 1 starts one */
		if (at)
			b[nb++] = c->value;
		if (after && c->value != UINT64_MAX)
			b[nb++] = c->value + 1;
	}
	qsort(b, nb, sizeof(b[0]), cmp_u64);
	if (b[nb - 1] > (1ull << 32))
		return false;
	struct sc_range r[2 * 64 + 1];
	size_t nr = 0;
	for (size_t i = 0; i < nb; i++) {
		if (b[i] == 1ull << 32 || (i && b[i] == b[i - 1]))
			continue;
		int t = first_match(g, rules, n, b[i], otherwise);
		if (!nr || r[nr - 1].target != t)
			r[nr++] = (struct sc_range){ (uint32_t)b[i], t };
	}
	unsigned arg = rules[0].cmp[0].arg;
	int above = first_match(g, rules, n, 1ull << 32, otherwise), low = sc_label_new(g);
	sc_emit_ld(g, ARG_HI(arg));
	sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, low, above);
	sc_label_place(g, low, true);
	sc_emit_ld(g, ARG_LO(arg));
	sc_emit_search(g, r, nr, 1ull << 32);
	return true;
}

void sc_emit_rules(struct sc_gen *g, const struct sc_rule *rules, size_t n, int otherwise)
{
	if (!emit_one_arg(g, rules, n, otherwise))
		emit_chain(g, rules, n, otherwise);
}
