/*
 * Scalars: what the verifier knows of a number — its bits (tnum) and its
 * signed and unsigned 64-bit bounds — through every ALU operation and every
 * conditional jump.  32-bit operations are tracked through the low half:
 * exact when the operands fit in 32 bits, unknown-in-32-bits otherwise.
 * Every rule here must be sound: when in doubt, the result is unknown.
 */
#include <string.h>

#include "engine/isa.h"
#include "engine/verifier/verifier_internal.h"

void vreg_mark_not_init(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	r->origin = -1;
}

void vreg_mark_unknown(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	r->type = V_SCALAR;
	r->var = tnum_unknown();
	r->smin = INT64_MIN;
	r->smax = INT64_MAX;
	r->umax = UINT64_MAX;
	r->origin = -1;
}

void vreg_mark_const(struct vreg *r, uint64_t v)
{
	memset(r, 0, sizeof(*r));
	r->type = V_SCALAR;
	r->var = tnum_const(v);
	r->smin = r->smax = (int64_t)v;
	r->umin = r->umax = v;
	r->origin = -1;
}

bool vreg_is_const(const struct vreg *r)
{
	return r->type == V_SCALAR && tnum_is_const(r->var);
}

static void set_unsigned(struct vreg *r, uint64_t lo, uint64_t hi)
{
	r->var = tnum_range(lo, hi);
	r->umin = lo;
	r->umax = hi;
	r->smin = INT64_MIN;
	r->smax = INT64_MAX;
	vreg_sync(r);
}

void vreg_mark_loaded(struct vreg *r, unsigned size, bool sign)
{
	vreg_mark_unknown(r);
	if (size >= 8)
		return;
	unsigned bits = size * 8;
	if (!sign) {
		set_unsigned(r, 0, (1ull << bits) - 1);
		return;
	}
	r->smin = -(int64_t)(1ull << (bits - 1));
	r->smax = (int64_t)(1ull << (bits - 1)) - 1;
	r->umin = 0;
	r->umax = UINT64_MAX;
	r->var = tnum_unknown();
	vreg_sync(r);
}

/* Brings the five views (tnum, signed, unsigned) into agreement. */
void vreg_sync(struct vreg *r)
{
	for (int round = 0; round < 2; round++) {
		/* from the bits */
		uint64_t tmin = r->var.value, tmax = r->var.value | r->var.mask;
		if (tmin > r->umin)
			r->umin = tmin;
		if (tmax < r->umax)
			r->umax = tmax;
		int64_t smin_t, smax_t;
		if (r->var.mask & (1ull << 63)) { /* sign unknown */
			smin_t = (int64_t)(r->var.value | (1ull << 63));
			smax_t = (int64_t)(tmax & ~(1ull << 63));
		} else {
			smin_t = (int64_t)tmin;
			smax_t = (int64_t)tmax;
		}
		if (smin_t > r->smin)
			r->smin = smin_t;
		if (smax_t < r->smax)
			r->smax = smax_t;
		/* signed <-> unsigned */
		if (r->smin >= 0 || r->smax < 0 || (uint64_t)r->smin <= (uint64_t)r->smax) {
			/* the signed range does not cross the sign boundary */
			if (r->smin >= 0 || r->smax < 0) {
				if ((uint64_t)r->smin > r->umin)
					r->umin = (uint64_t)r->smin;
				if ((uint64_t)r->smax < r->umax)
					r->umax = (uint64_t)r->smax;
			}
		}
		if ((int64_t)r->umin >= 0 ? (int64_t)r->umax >= 0 : (int64_t)r->umax < 0) {
			/* the unsigned range is on one side of the sign boundary */
			if ((int64_t)r->umin > r->smin)
				r->smin = (int64_t)r->umin;
			if ((int64_t)r->umax < r->smax)
				r->smax = (int64_t)r->umax;
		}
		r->var = tnum_intersect(r->var, tnum_range(r->umin, r->umax));
	}
}

/* Keeps the low 32 bits of a 64-bit result, zero-extended. */
static void to_u32(struct vreg *r)
{
	if (r->umax <= UINT32_MAX) {
		vreg_sync(r);
		return;
	}
	struct tnum t = tnum_lo32(r->var);
	r->var = t;
	r->umin = 0;
	r->umax = UINT32_MAX;
	r->smin = INT64_MIN;
	r->smax = INT64_MAX;
	vreg_sync(r);
}

/* The value as 32-bit operand: the low half, zero-extended. */
static void low32(struct vreg *r)
{
	if (r->umax > UINT32_MAX)
		to_u32(r);
}

static bool add_overflows_s(int64_t a, int64_t b, int64_t *res)
{
	return __builtin_add_overflow(a, b, res);
}

static void alu_add(struct vreg *d, const struct vreg *s)
{
	int64_t smin, smax;
	uint64_t umin, umax;
	bool sbad = add_overflows_s(d->smin, s->smin, &smin);
	sbad |= add_overflows_s(d->smax, s->smax, &smax);
	bool ubad = __builtin_add_overflow(d->umin, s->umin, &umin);
	ubad |= __builtin_add_overflow(d->umax, s->umax, &umax);
	d->var = tnum_add(d->var, s->var);
	d->smin = sbad ? INT64_MIN : smin;
	d->smax = sbad ? INT64_MAX : smax;
	d->umin = ubad ? 0 : umin;
	d->umax = ubad ? UINT64_MAX : umax;
}

static void alu_sub(struct vreg *d, const struct vreg *s)
{
	int64_t smin, smax;
	bool sbad = __builtin_sub_overflow(d->smin, s->smax, &smin);
	sbad |= __builtin_sub_overflow(d->smax, s->smin, &smax);
	bool ubad = d->umin < s->umax;
	uint64_t umin = d->umin - s->umax, umax = d->umax - s->umin;
	d->var = tnum_sub(d->var, s->var);
	d->smin = sbad ? INT64_MIN : smin;
	d->smax = sbad ? INT64_MAX : smax;
	d->umin = ubad ? 0 : umin;
	d->umax = ubad ? UINT64_MAX : umax;
}

static void alu_mul(struct vreg *d, const struct vreg *s)
{
	uint64_t umax;
	d->var = tnum_mul(d->var, s->var);
	if (d->smin < 0 || s->smin < 0 || __builtin_mul_overflow(d->umax, s->umax, &umax)) {
		d->smin = INT64_MIN;
		d->smax = INT64_MAX;
		d->umin = 0;
		d->umax = UINT64_MAX;
		return;
	}
	d->umin = d->umin * s->umin;
	d->umax = umax;
	d->smin = INT64_MIN;
	d->smax = INT64_MAX;
}

static void from_bits(struct vreg *d)
{
	d->umin = 0;
	d->umax = UINT64_MAX;
	d->smin = INT64_MIN;
	d->smax = INT64_MAX;
}

static void alu_shift(struct vreg *d, const struct vreg *s, unsigned op, bool is64)
{
	unsigned width = is64 ? 64 : 32;
	if (!tnum_is_const(s->var)) {
		/* unknown amount: only the right shifts keep an upper bound */
		uint64_t umax = d->umax;
		bool rsh = op == MOAT_RSH;
		vreg_mark_unknown(d);
		if (rsh) {
			d->umax = umax;
			d->var = tnum_range(0, umax);
		}
		return;
	}
	unsigned k = (unsigned)(s->var.value & (width - 1));
	if (op == MOAT_LSH) {
		uint64_t umax = d->umax;
		bool fits = k == 0 || (umax >> (64 - k)) == 0;
		d->var = tnum_lshift(d->var, k);
		if (fits && d->smin >= 0) {
			d->umin <<= k;
			d->umax = umax << k;
			d->smin = INT64_MIN;
			d->smax = INT64_MAX;
		} else {
			from_bits(d);
		}
	} else if (op == MOAT_RSH) {
		d->var = tnum_rshift(d->var, k);
		d->umin >>= k;
		d->umax >>= k;
		d->smin = INT64_MIN;
		d->smax = INT64_MAX;
	} else { /* arsh */
		if (!is64) {
			d->var = tnum_arshift(d->var, k, 32);
			from_bits(d);
			return;
		}
		d->var = tnum_arshift(d->var, k, 64);
		d->smin >>= k;
		d->smax >>= k;
		d->umin = 0;
		d->umax = UINT64_MAX;
	}
}

static void alu_divmod(struct vreg *d, const struct vreg *s, unsigned op, bool sign)
{
	if (tnum_is_const(d->var) && tnum_is_const(s->var)) {
		uint64_t a = d->var.value, b = s->var.value, v;
		if (sign) {
			int64_t x = (int64_t)a, y = (int64_t)b;
			if (op == MOAT_DIV)
				v = y == 0 ? 0 : (y == -1 ? (uint64_t)0 - a : (uint64_t)(x / y));
			else
				v = y == 0 ? a : (y == -1 ? 0 : (uint64_t)(x % y));
		} else {
			v = op == MOAT_DIV ? (b ? a / b : 0) : (b ? a % b : a);
		}
		vreg_mark_const(d, v);
		return;
	}
	if (sign) {
		vreg_mark_unknown(d);
		return;
	}
	uint64_t umax = d->umax;
	if (op == MOAT_DIV) {
		/* quotient <= dividend (and 0 for a zero divisor) */
		uint64_t hi = s->umin > 0 ? umax / s->umin : umax;
		vreg_mark_unknown(d);
		set_unsigned(d, 0, hi);
	} else {
		/* remainder < divisor, or the dividend for a zero divisor */
		uint64_t hi = umax;
		if (s->umin > 0 && s->umax - 1 < hi)
			hi = s->umax - 1;
		vreg_mark_unknown(d);
		set_unsigned(d, 0, hi);
	}
}

static void alu_movsx(struct vreg *d, const struct vreg *s, int16_t bits)
{
	if (tnum_is_const(s->var)) {
		uint64_t v = s->var.value;
		int64_t x = bits == 8 ? (int8_t)v : bits == 16 ? (int16_t)v : (int32_t)v;
		vreg_mark_const(d, (uint64_t)x);
		return;
	}
	uint64_t lim = 1ull << (bits - 1);
	if (s->umax < lim) { /* the sign bit is clear: the value is unchanged */
		*d = *s;
		return;
	}
	vreg_mark_unknown(d);
	d->smin = -(int64_t)lim;
	d->smax = (int64_t)lim - 1;
	vreg_sync(d);
}

void vscalar_alu(struct vreg *dst, const struct vreg *src_in, unsigned op, int16_t off, bool is64)
{
	struct vreg s = *src_in;
	int32_t origin = dst->origin;
	if (!is64) {
		low32(dst);
		low32(&s);
	}
	switch (op) {
	case MOAT_MOV:
		if (off) {
			alu_movsx(dst, &s, off);
			if (!is64)
				to_u32(dst);
			return;
		}
		*dst = s;
		break;
	case MOAT_ADD: alu_add(dst, &s); break;
	case MOAT_SUB: alu_sub(dst, &s); break;
	case MOAT_MUL: alu_mul(dst, &s); break;
	case MOAT_AND:
		dst->var = tnum_and(dst->var, s.var);
		from_bits(dst);
		break;
	case MOAT_OR:
		dst->var = tnum_or(dst->var, s.var);
		from_bits(dst);
		break;
	case MOAT_XOR:
		dst->var = tnum_xor(dst->var, s.var);
		from_bits(dst);
		break;
	case MOAT_LSH:
	case MOAT_RSH:
	case MOAT_ARSH:
		alu_shift(dst, &s, op, is64);
		break;
	case MOAT_DIV:
	case MOAT_MOD:
		if (!is64 && off) { /* signed 32-bit: exact only for constants */
			if (tnum_is_const(dst->var) && tnum_is_const(s.var)) {
				int32_t a = (int32_t)dst->var.value, b = (int32_t)s.var.value, v;
				if (op == MOAT_DIV)
					v = b == 0 ? 0 : b == -1 ? (int32_t)(0u - (uint32_t)a) : a / b;
				else
					v = b == 0 ? a : b == -1 ? 0 : a % b;
				vreg_mark_const(dst, (uint32_t)v);
			} else {
				vreg_mark_unknown(dst);
			}
			break;
		}
		alu_divmod(dst, &s, op, off != 0);
		break;
	case MOAT_NEG:
		if (tnum_is_const(dst->var)) {
			uint64_t v = is64 ? 0 - dst->var.value : (uint32_t)(0u - (uint32_t)dst->var.value);
			vreg_mark_const(dst, v);
		} else {
			vreg_mark_unknown(dst);
		}
		break;
	default:
		vreg_mark_unknown(dst);
		break;
	}
	dst->type = V_SCALAR;
	dst->origin = origin;
	vreg_sync(dst);
	if (!is64)
		to_u32(dst);
}

void vscalar_bswap(struct vreg *d, unsigned width, bool swap)
{
	if (tnum_is_const(d->var)) {
		uint64_t v = d->var.value;
		if (swap)
			v = width == 16 ? __builtin_bswap16((uint16_t)v)
			    : width == 32 ? __builtin_bswap32((uint32_t)v) : __builtin_bswap64(v);
		else if (width < 64)
			v &= (1ull << width) - 1;
		vreg_mark_const(d, v);
		return;
	}
	if (!swap && width == 64)
		return;
	if (!swap && d->umax < (1ull << width))
		return;
	vreg_mark_unknown(d);
	if (width < 64)
		set_unsigned(d, 0, (1ull << width) - 1);
}

/* ------------------------------------------------------------ branches */

/* Views of a scalar for a comparison of the given width. */
struct cmpv {
	uint64_t umin, umax;
	int64_t smin, smax;
	struct tnum t;
};

static bool cmp_view(const struct vreg *r, bool is64, struct cmpv *v)
{
	v->t = r->var;
	if (is64) {
		v->umin = r->umin, v->umax = r->umax, v->smin = r->smin, v->smax = r->smax;
		return true;
	}
	/* 32-bit compare: exact when the upper half is zero */
	v->t = tnum_lo32(r->var);
	if (r->umax <= UINT32_MAX) {
		v->umin = r->umin, v->umax = r->umax;
		if (r->umax <= INT32_MAX || r->umin > INT32_MAX) /* one sign as s32 */
			v->smin = (int32_t)r->umin, v->smax = (int32_t)r->umax;
		else
			v->smin = INT32_MIN, v->smax = INT32_MAX;
		return true;
	}
	v->umin = 0, v->umax = UINT32_MAX, v->smin = INT32_MIN, v->smax = INT32_MAX;
	if (tnum_is_const(v->t)) {
		v->umin = v->umax = v->t.value;
		v->smin = v->smax = (int32_t)v->t.value;
	}
	return false;
}

int vscalar_branch(const struct vreg *dst, const struct vreg *src, unsigned op, bool is64)
{
	struct cmpv a, b;
	cmp_view(dst, is64, &a);
	cmp_view(src, is64, &b);
	switch (op) {
	case MOAT_JEQ:
	case MOAT_JNE: {
		int eq = -1;
		if (tnum_is_const(a.t) && tnum_is_const(b.t))
			eq = a.t.value == b.t.value;
		else if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax || a.smax < b.smin)
			eq = 0;
		else if ((a.t.value ^ b.t.value) & ~(a.t.mask | b.t.mask))
			eq = 0;
		if (eq < 0)
			return -1;
		return op == MOAT_JEQ ? eq : !eq;
	}
	case MOAT_JSET: {
		uint64_t known_and = a.t.value & b.t.value;
		if (known_and)
			return 1;
		if (!((a.t.value | a.t.mask) & (b.t.value | b.t.mask)))
			return 0;
		return -1;
	}
	case MOAT_JGT:
		return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
	case MOAT_JGE:
		return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
	case MOAT_JLT:
		return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
	case MOAT_JLE:
		return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
	case MOAT_JSGT:
		return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
	case MOAT_JSGE:
		return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
	case MOAT_JSLT:
		return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
	case MOAT_JSLE:
		return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
	default:
		return -1;
	}
}

static unsigned negate(unsigned op)
{
	switch (op) {
	case MOAT_JEQ: return MOAT_JNE;
	case MOAT_JNE: return MOAT_JEQ;
	case MOAT_JGT: return MOAT_JLE;
	case MOAT_JGE: return MOAT_JLT;
	case MOAT_JLT: return MOAT_JGE;
	case MOAT_JLE: return MOAT_JGT;
	case MOAT_JSGT: return MOAT_JSLE;
	case MOAT_JSGE: return MOAT_JSLT;
	case MOAT_JSLT: return MOAT_JSGE;
	case MOAT_JSLE: return MOAT_JSGT;
	default: return 0; /* JSET has no negation here */
	}
}

#define MAXU(a, b) ((a) > (b) ? (a) : (b))
#define MINU(a, b) ((a) < (b) ? (a) : (b))

/* dst op src holds (op one of eq, ne, gt, ge, lt, le and signed ones);
 * narrows the 64-bit views of both. */
static void narrow(struct vreg *d, struct vreg *s, unsigned op)
{
	switch (op) {
	case MOAT_JEQ: {
		uint64_t umin = MAXU(d->umin, s->umin), umax = MINU(d->umax, s->umax);
		int64_t smin = MAXU(d->smin, s->smin), smax = MINU(d->smax, s->smax);
		struct tnum t = tnum_intersect(d->var, s->var);
		d->umin = s->umin = umin, d->umax = s->umax = umax;
		d->smin = s->smin = smin, d->smax = s->smax = smax;
		d->var = s->var = t;
		break;
	}
	case MOAT_JNE:
		/* only an equal constant at a bound can be cut off */
		if (tnum_is_const(s->var)) {
			uint64_t k = s->var.value;
			if (d->umin == k && d->umin < d->umax)
				d->umin++;
			else if (d->umax == k && d->umin < d->umax)
				d->umax--;
			if (d->smin == (int64_t)k && d->smin < d->smax)
				d->smin++;
			else if (d->smax == (int64_t)k && d->smin < d->smax)
				d->smax--;
		}
		if (tnum_is_const(d->var)) {
			uint64_t k = d->var.value;
			if (s->umin == k && s->umin < s->umax)
				s->umin++;
			else if (s->umax == k && s->umin < s->umax)
				s->umax--;
		}
		break;
	case MOAT_JGT:
		d->umin = MAXU(d->umin, s->umin + 1);
		s->umax = MINU(s->umax, d->umax - 1);
		break;
	case MOAT_JGE:
		d->umin = MAXU(d->umin, s->umin);
		s->umax = MINU(s->umax, d->umax);
		break;
	case MOAT_JLT:
		d->umax = MINU(d->umax, s->umax - 1);
		s->umin = MAXU(s->umin, d->umin + 1);
		break;
	case MOAT_JLE:
		d->umax = MINU(d->umax, s->umax);
		s->umin = MAXU(s->umin, d->umin);
		break;
	case MOAT_JSGT:
		d->smin = MAXU(d->smin, s->smin + 1);
		s->smax = MINU(s->smax, d->smax - 1);
		break;
	case MOAT_JSGE:
		d->smin = MAXU(d->smin, s->smin);
		s->smax = MINU(s->smax, d->smax);
		break;
	case MOAT_JSLT:
		d->smax = MINU(d->smax, s->smax - 1);
		s->smin = MAXU(s->smin, d->smin + 1);
		break;
	case MOAT_JSLE:
		d->smax = MINU(d->smax, s->smax);
		s->smin = MAXU(s->smin, d->smin);
		break;
	default:
		break;
	}
}

/* Synchronises r; false when its views contradict (no value is possible). */
static bool vreg_ok(struct vreg *r)
{
	if (r->umin > r->umax || r->smin > r->smax)
		return false;
	vreg_sync(r);
	if (r->umin > r->umax || r->smin > r->smax)
		return false;
	uint64_t tmin = r->var.value, tmax = r->var.value | r->var.mask;
	return tmin <= r->umax && tmax >= r->umin;
}

bool vscalar_refine(struct vreg *dst, struct vreg *src, unsigned op, bool is64, bool taken)
{
	if (!is64) {
		/* A 32-bit compare agrees with the 64-bit one when both upper
		 * halves are zero (unsigned and equality tests) and, for signed
		 * tests, when both values are also below 2^31. */
		bool fit = dst->umax <= UINT32_MAX && src->umax <= UINT32_MAX;
		bool sfit = dst->umax <= INT32_MAX && src->umax <= INT32_MAX;
		unsigned eff = taken || op == MOAT_JSET ? op : negate(op);
		bool sgn = eff == MOAT_JSGT || eff == MOAT_JSGE || eff == MOAT_JSLT || eff == MOAT_JSLE;
		if (op != MOAT_JSET && !(sgn ? sfit : fit))
			return true;
		if (op == MOAT_JSET && !fit) {
			if (!taken && tnum_is_const(src->var)) {
				uint64_t k = (uint32_t)src->var.value;
				dst->var = TNUM(dst->var.value & ~k, dst->var.mask & ~k);
				return vreg_ok(dst);
			}
			return true;
		}
	}
	if (op == MOAT_JSET) {
		if (!taken && tnum_is_const(src->var)) {
			uint64_t k = is64 ? src->var.value : (uint32_t)src->var.value;
			dst->var = TNUM(dst->var.value & ~k, dst->var.mask & ~k);
			return vreg_ok(dst);
		}
		return true;
	}
	if (!taken)
		op = negate(op);
	/* bounds that would wrap mean the branch is impossible */
	if ((op == MOAT_JGT && (src->umin == UINT64_MAX || dst->umax == 0)) ||
	    (op == MOAT_JLT && (dst->umin == UINT64_MAX || src->umax == 0)) ||
	    (op == MOAT_JSGT && (src->smin == INT64_MAX || dst->smax == INT64_MIN)) ||
	    (op == MOAT_JSLT && (dst->smin == INT64_MAX || src->smax == INT64_MIN)))
		return false;
	narrow(dst, src, op);
	return vreg_ok(dst) && vreg_ok(src);
}
