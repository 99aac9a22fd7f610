/*
 * Decode-time specialisation for the fast loop: superinstructions (pairs
 * of adjacent instructions run by one handler, listed in
 * interp_internal.h) and the r0 variants of handlers that write r0.
 */
#include <stddef.h>

#include "engine/interp_internal.h"

/* The handler for op when its instruction writes r0. */
static int r0_variant(int op)
{
	switch (op) {
#define ALU(n64, n32, aop, aoff, e64, e32)                                       \
	case OP_##n64##_K:                                                       \
	case OP_##n64##_X:                                                       \
	case OP_##n32##_K:                                                       \
	case OP_##n32##_X:                                                       \
		return op - OP_##n64##_K + OP_##n64##_K_r0;
#define MEMSIZE(sfx, size, bytes, type, stype)                                   \
	case OP_ldx##sfx:                                                        \
		return OP_ldx##sfx##_r0;                                         \
	case OP_ldxs##sfx:                                                       \
		return OP_ldxs##sfx##_r0;
#include "engine/isa.def"
	case OP_lddw: return OP_lddw_r0;
	case OP_le16: return OP_le16_r0;
	case OP_le32: return OP_le32_r0;
	case OP_le64: return OP_le64_r0;
	case OP_swap16: return OP_swap16_r0;
	case OP_swap32: return OP_swap32_r0;
	case OP_swap64: return OP_swap64_r0;
	default: return op;
	}
}

/* ldx rA, [..]; alu rC, rA with rC != rA (rA is written first). */
static int fuse_lx(int a, int b, const struct moat_insn *x, const struct moat_insn *y)
{
	if (y->src != x->dst || y->dst == x->dst || x->dst == 0)
		return -1;
	bool r0 = y->dst == 0;
#define LX_CASE(a64, a32, sfx)                                                   \
	if (a == OP_ldx##sfx && b == OP_##a64##_X)                               \
		return r0 ? OP_lx##sfx##_##a64##_r0 : OP_lx##sfx##_##a64;        \
	if (a == OP_ldx##sfx && b == OP_##a32##_X)                               \
		return r0 ? OP_lx##sfx##_##a32##_r0 : OP_lx##sfx##_##a32;
#define MEMSIZE(sfx, size, bytes, type, stype) INTERP_LX_OPS(LX_CASE, sfx)
#include "engine/isa.def"
#undef LX_CASE
	return -1;
}

/* Pairs on one register rA (not r0, which the fast loop keeps apart). */
static int fuse_same_reg(int a, int b, const struct moat_insn *x, const struct moat_insn *y)
{
	if (y->dst != x->dst)
		return -1;
#define JJ_CASE(j1, j2)                                                          \
	if (a == OP_##j1##_K && b == OP_##j2##_K)                                \
		return OP_jj_##j1##_##j2;
	INTERP_JJ_PAIRS(JJ_CASE) /* reads only: r0 too */
#undef JJ_CASE
	if (x->dst == 0)
		return -1;
#define LBE_CASE(sfx, bits, type)                                                \
	if (a == OP_ldx##sfx && b == OP_swap##bits)                              \
		return OP_lbe##sfx;
	INTERP_LBE_SIZES(LBE_CASE)
#undef LBE_CASE
#define MA_CASE(alu)                                                             \
	if (a == OP_mov_X && b == OP_##alu##_K)                                  \
		return OP_ma_##alu;
	INTERP_MA_OPS(MA_CASE)
#undef MA_CASE
#define AJ_CASE(alu, j)                                                          \
	if (a == OP_##alu##_K && b == OP_##j##_K)                                \
		return OP_aj_##alu##_##j;
#define JCOND(name, op, c64, c32) INTERP_AJ_OPS(AJ_CASE, name)
#include "engine/isa.def"
#undef AJ_CASE
	return -1;
}

int interp_fast_op(const struct moat_insn *in, const uint16_t *ops, size_t n, size_t i)
{
	int a = ops[i];
	if (i + 1 < n) {
		int b = ops[i + 1], f;
		const struct moat_insn *x = &in[i], *y = &in[i + 1];
		if (a == OP_mov_K && x->dst == 0 && b == OP_exit)
			return OP_ret_k;
		if ((f = fuse_lx(a, b, x, y)) >= 0 || (f = fuse_same_reg(a, b, x, y)) >= 0)
			return f;
	}
	return in[i].dst == 0 ? r0_variant(a) : a;
}
