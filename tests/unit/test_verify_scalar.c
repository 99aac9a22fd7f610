/*
 * The verifier's number tracking, tested for soundness by sampling: for
 * random abstract values and random concrete members, every ALU result and
 * every branch refinement must still contain the concrete outcome.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <moat/insn.h>

#include "engine/isa.h"
#include "engine/verifier/verifier_internal.h"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Interesting numbers: small, near the sign and width boundaries, random. */
static uint64_t pick(void)
{
	static const uint64_t special[] = { 0, 1, 2, 7, 8, 255, 256, 0x7fffffff, 0x80000000,
					    0xffffffff, 0x100000000ull, INT64_MAX,
					    (uint64_t)INT64_MIN, UINT64_MAX, UINT64_MAX - 1 };
	switch (rnd() % 4) {
	case 0: return special[rnd() % (sizeof(special) / sizeof(special[0]))];
	case 1: return rnd() % 64;
	case 2: return (uint64_t)-(int64_t)(rnd() % 64);
	default: return rnd() >> (rnd() % 64);
	}
}

static bool contains(const struct vreg *r, uint64_t v)
{
	return v >= r->umin && v <= r->umax && (int64_t)v >= r->smin && (int64_t)v <= r->smax &&
	       (v & ~r->var.mask) == r->var.value;
}

/* An abstract scalar containing `v`: a constant, a range around it, or
 * known bits around it. */
static void abstract(struct vreg *r, uint64_t v)
{
	vreg_mark_unknown(r);
	switch (rnd() % 4) {
	case 0:
		vreg_mark_const(r, v);
		break;
	case 1: {
		uint64_t lo = v - (rnd() % 16), hi = v + (rnd() % 16);
		if (lo > v)
			lo = 0;
		if (hi < v)
			hi = UINT64_MAX;
		r->umin = lo, r->umax = hi;
		vreg_sync(r);
		break;
	}
	case 2: {
		uint64_t mask = rnd() & rnd();
		r->var = TNUM(v & ~mask, mask);
		vreg_sync(r);
		break;
	}
	default:
		break;
	}
}

/* Concrete semantics, as the interpreter computes them. */
static uint64_t concrete(uint64_t d, uint64_t s, unsigned op, int16_t off, bool is64)
{
	if (!is64) {
		d = (uint32_t)d;
		s = (uint32_t)s;
	}
	uint64_t r;
	unsigned w = is64 ? 63 : 31;
	switch (op) {
	case MOAT_ADD: r = d + s; break;
	case MOAT_SUB: r = d - s; break;
	case MOAT_MUL: r = d * s; break;
	case MOAT_DIV:
		if (off)
			r = is64 ? moat_sdiv64(d, s) : moat_sdiv32(d, s);
		else
			r = s ? d / s : 0;
		break;
	case MOAT_MOD:
		if (off)
			r = is64 ? moat_smod64(d, s) : moat_smod32(d, s);
		else
			r = s ? d % s : d;
		break;
	case MOAT_OR: r = d | s; break;
	case MOAT_AND: r = d & s; break;
	case MOAT_XOR: r = d ^ s; break;
	case MOAT_LSH: r = d << (s & w); break;
	case MOAT_RSH: r = d >> (s & w); break;
	case MOAT_ARSH:
		r = is64 ? (uint64_t)((int64_t)d >> (s & w)) : (uint32_t)((int32_t)d >> (s & w));
		break;
	case MOAT_MOV: r = s; break;
	default: r = 0; break;
	}
	return is64 ? r : (uint32_t)r;
}

static void test_alu_sound(void)
{
	static const unsigned ops[] = { MOAT_ADD, MOAT_SUB, MOAT_MUL, MOAT_DIV, MOAT_MOD, MOAT_OR,
					MOAT_AND, MOAT_XOR, MOAT_LSH, MOAT_RSH, MOAT_ARSH, MOAT_MOV };
	static const char *const names[] = { "add", "sub", "mul", "div", "mod", "or",
					     "and", "xor", "lsh", "rsh", "arsh", "mov" };
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		int bad = 0;
		for (int t = 0; t < 20000 && bad < 3; t++) {
			uint64_t a = pick(), b = pick();
			bool is64 = rnd() & 1;
			int16_t off = (ops[k] == MOAT_DIV || ops[k] == MOAT_MOD) && (rnd() & 1);
			struct vreg d, s;
			abstract(&d, a);
			abstract(&s, b);
			struct vreg in_d = d;
			vscalar_alu(&d, &s, ops[k], off, is64);
			uint64_t want = concrete(a, b, ops[k], off, is64);
			if (!contains(&d, want)) {
				char x[200], y[200], z[200];
				vreg_str(&in_d, x, sizeof(x));
				vreg_str(&s, y, sizeof(y));
				vreg_str(&d, z, sizeof(z));
				diag("%s%s%s: 0x%" PRIx64 " op 0x%" PRIx64 " = 0x%" PRIx64
				     " not in %s (from %s, %s)", names[k], is64 ? "64" : "32",
				     off ? " signed" : "", a, b, want, z, x, y);
				bad++;
			}
		}
		ok(bad == 0, "%s: every sampled result lies in the tracked bounds", names[k]);
	}
}

static bool holds(uint64_t a, uint64_t b, unsigned op, bool is64)
{
	if (!is64) {
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	int64_t sa = is64 ? (int64_t)a : (int32_t)a, sb = is64 ? (int64_t)b : (int32_t)b;
	switch (op) {
	case MOAT_JEQ: return a == b;
	case MOAT_JNE: return a != b;
	case MOAT_JGT: return a > b;
	case MOAT_JGE: return a >= b;
	case MOAT_JLT: return a < b;
	case MOAT_JLE: return a <= b;
	case MOAT_JSGT: return sa > sb;
	case MOAT_JSGE: return sa >= sb;
	case MOAT_JSLT: return sa < sb;
	case MOAT_JSLE: return sa <= sb;
	case MOAT_JSET: return (a & b) != 0;
	default: return false;
	}
}

static void test_branch_sound(void)
{
	static const unsigned ops[] = { MOAT_JEQ, MOAT_JNE, MOAT_JGT, MOAT_JGE, MOAT_JLT, MOAT_JLE,
					MOAT_JSGT, MOAT_JSGE, MOAT_JSLT, MOAT_JSLE, MOAT_JSET };
	int bad_outcome = 0, bad_refine = 0, decided = 0;
	for (int t = 0; t < 200000; t++) {
		unsigned op = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
		uint64_t a = pick(), b = pick();
		bool is64 = rnd() & 1;
		struct vreg d, s;
		abstract(&d, a);
		abstract(&s, b);
		bool h = holds(a, b, op, is64);
		int out = vscalar_branch(&d, &s, op, is64);
		if (out >= 0) {
			decided++;
			if (out != h && bad_outcome++ < 3)
				diag("op 0x%x%s 0x%" PRIx64 " 0x%" PRIx64 ": decided %d, really %d", op,
				     is64 ? "" : "(32)", a, b, out, h);
			continue;
		}
		struct vreg d2 = d, s2 = s;
		bool live = vscalar_refine(&d2, &s2, op, is64, h);
		if ((!live || !contains(&d2, a) || !contains(&s2, b)) && bad_refine++ < 3) {
			char x[200], y[200];
			vreg_str(&d2, x, sizeof(x));
			vreg_str(&s2, y, sizeof(y));
			diag("op 0x%x%s %s: 0x%" PRIx64 " 0x%" PRIx64 " refined to %s / %s (live %d)",
			     op, is64 ? "" : "(32)", h ? "taken" : "not taken", a, b, x, y, live);
		}
	}
	ok(bad_outcome == 0, "branch outcomes decided statically are right (%d decided)", decided);
	ok(bad_refine == 0, "branch refinement keeps the concrete values");
}

static void test_tnum(void)
{
	struct tnum r = tnum_range(8, 15);
	ok(r.value == 8 && r.mask == 7, "tnum_range(8, 15) = 8 + 3 unknown bits");
	ok(tnum_is_const(tnum_add(tnum_const(3), tnum_const(4))) &&
	   tnum_add(tnum_const(3), tnum_const(4)).value == 7, "const + const is const");
	struct tnum x = tnum_and(tnum_unknown(), tnum_const(0xff));
	ok(x.value == 0 && x.mask == 0xff, "unknown & 0xff keeps 8 unknown bits");
	ok(tnum_in(tnum_range(0, 255), tnum_const(17)), "17 is in [0, 255]");
	ok(!tnum_in(tnum_const(16), tnum_range(16, 17)), "[16, 17] is not in {16}");
	int bad = 0;
	for (int t = 0; t < 20000; t++) {
		uint64_t a = pick(), b = pick(), ma = rnd() & rnd(), mb = rnd() & rnd();
		struct tnum ta = TNUM(a & ~ma, ma), tb = TNUM(b & ~mb, mb);
		struct tnum m = tnum_mul(ta, tb);
		uint64_t c = a * b;
		bad += (c & ~m.mask) != m.value;
	}
	ok(bad == 0, "tnum_mul contains every sampled product");
}

static void test_sync(void)
{
	struct vreg r;
	vreg_mark_unknown(&r);
	r.smin = 0;
	r.smax = 100;
	vreg_sync(&r);
	ok(r.umin == 0 && r.umax == 100, "signed [0, 100] gives unsigned [0, 100]");
	vreg_mark_loaded(&r, 1, false);
	ok(r.umax == 255 && r.smin == 0 && r.var.mask == 0xff, "a loaded byte is [0, 255]");
	vreg_mark_loaded(&r, 2, true);
	ok(r.smin == -32768 && r.smax == 32767, "a sign-extended half is [-32768, 32767]");
}

int main(void)
{
	test_tnum();
	test_sync();
	test_alu_sound();
	test_branch_sound();
	return tap_done();
}
