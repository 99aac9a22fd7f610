/*
 * The interpreter's handler numbers, shared by the decoder (interp.c), the
 * superinstruction selector (interp_fuse.c) and the loops (interp_loop.h).
 * Everything is generated from the one semantics table, isa.def; the lists
 * below only say which pairs of instructions get a fused handler.
 */
#ifndef MOAT_ENGINE_INTERP_INTERNAL_H
#define MOAT_ENGINE_INTERP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <moat/insn.h>

#include "engine/isa.h"

/*
 * Superinstructions of the fast loop: one handler runs two adjacent
 * instructions (the second keeps its own handler in the next slot, for
 * jumps that land there).  The pairs are what compiled BPF is made of:
 *
 *   ret_k  mov r0, imm; exit                     (a constant verdict)
 *   lx     ldx rA, [rB+off]; alu rC, rA          (a load feeding an ALU op)
 *   lbe    ldx rA, [..]; be16/32/64 rA           (a network-order field)
 *   aj     alu rA, imm; jcc rA, imm, +off        (mask or shift, then test)
 *   ma     mov rA, rB; alu rA, imm               (copy, then mask or shift)
 *   jj     jeq/jne rA, imm; jeq/jne rA, imm      (a switch)
 *
 * The lists name the ALU operations and conditions taking part:
 * X(names..., extra arguments passed through).
 */
#define INTERP_LX_OPS(X, ...) \
	X(add, add32, __VA_ARGS__) X(sub, sub32, __VA_ARGS__) X(or, or32, __VA_ARGS__) \
	X(and, and32, __VA_ARGS__) X(xor, xor32, __VA_ARGS__)
#define INTERP_AJ_OPS(X, ...) \
	X(add, __VA_ARGS__) X(sub, __VA_ARGS__) X(and, __VA_ARGS__) X(or, __VA_ARGS__) \
	X(lsh, __VA_ARGS__) X(rsh, __VA_ARGS__)
#define INTERP_MA_OPS(X) X(add) X(sub) X(and) X(or) X(lsh) X(rsh) X(arsh)
#define INTERP_JJ_PAIRS(X) X(jeq, jeq) X(jeq, jne) X(jne, jeq) X(jne, jne)
/* ldx size suffix, swap width, type */
#define INTERP_LBE_SIZES(X) X(h, 16, uint16_t) X(w, 32, uint32_t) X(dw, 64, uint64_t)

/* The semantics as functions, for the superinstructions. */
#define ALU(n64, n32, op, off, e64, e32)                                          \
	static inline __attribute__((unused)) uint64_t interp_alu_##n64(uint64_t D, \
									 uint64_t S) \
	{                                                                         \
		(void)D, (void)S;                                                 \
		return (e64);                                                     \
	}                                                                         \
	static inline __attribute__((unused)) uint64_t interp_alu_##n32(uint64_t D, \
									 uint64_t S) \
	{                                                                         \
		(void)D, (void)S;                                                 \
		return (uint32_t)(e32);                                           \
	}
#define JCOND(name, op, c64, c32)                                                 \
	static inline __attribute__((unused)) bool interp_cond_##name(uint64_t D,   \
								       uint64_t S)   \
	{                                                                         \
		return (c64);                                                     \
	}
#include "engine/isa.def"

/* Handler numbers. */
enum interp_op {
	OP_INVALID,
#define ALU(n64, n32, op, off, e64, e32) OP_##n64##_K, OP_##n64##_X, OP_##n32##_K, OP_##n32##_X,
#define JCOND(name, op, c64, c32) OP_##name##_K, OP_##name##_X, OP_##name##32_K, OP_##name##32_X,
#define MEMSIZE(sfx, size, bytes, type, stype) \
	OP_ldx##sfx, OP_ldxs##sfx, OP_st##sfx, OP_stx##sfx, OP_ldabs##sfx, OP_ldind##sfx, \
	OP_ldabs_skb##sfx, OP_ldind_skb##sfx, /* skb execs: the packet of the context in r6 */
#include "engine/isa.def"
#define ATOMIC_ENUM(n) OP_a_##n##32, OP_a_##n##64, OP_af_##n##32, OP_af_##n##64,
	ATOMIC_ENUM(add) ATOMIC_ENUM(or) ATOMIC_ENUM(and) ATOMIC_ENUM(xor) ATOMIC_ENUM(xchg_)
#undef ATOMIC_ENUM
	OP_cmpxchg32, OP_cmpxchg64,
	OP_lddw, OP_ja, OP_call, OP_call_local, OP_callx, OP_exit,
	OP_le16, OP_le32, OP_le64, OP_swap16, OP_swap32, OP_swap64,
	OP_off_end, /* the slot after the last instruction, and bad jump targets */
	/* Fast loop only.  Writers of r0, which that loop keeps in a machine
	 * register: the same order as above, so OP_x_r0 - OP_x is constant. */
#define ALU(n64, n32, op, off, e64, e32) \
	OP_##n64##_K_r0, OP_##n64##_X_r0, OP_##n32##_K_r0, OP_##n32##_X_r0,
#define MEMSIZE(sfx, size, bytes, type, stype) OP_ldx##sfx##_r0, OP_ldxs##sfx##_r0,
#include "engine/isa.def"
	OP_lddw_r0, OP_le16_r0, OP_le32_r0, OP_le64_r0, OP_swap16_r0, OP_swap32_r0, OP_swap64_r0,
	/* Superinstructions (fast loop only). */
	OP_ret_k,
#define LX_ENUM(a64, a32, sfx) \
	OP_lx##sfx##_##a64, OP_lx##sfx##_##a64##_r0, OP_lx##sfx##_##a32, OP_lx##sfx##_##a32##_r0,
#define MEMSIZE(sfx, size, bytes, type, stype) INTERP_LX_OPS(LX_ENUM, sfx)
#include "engine/isa.def"
#undef LX_ENUM
#define LBE_ENUM(sfx, bits, type) OP_lbe##sfx,
	INTERP_LBE_SIZES(LBE_ENUM)
#undef LBE_ENUM
#define AJ_ENUM(alu, j) OP_aj_##alu##_##j,
#define JCOND(name, op, c64, c32) INTERP_AJ_OPS(AJ_ENUM, name)
#include "engine/isa.def"
#undef AJ_ENUM
#define MA_ENUM(alu) OP_ma_##alu,
	INTERP_MA_OPS(MA_ENUM)
#undef MA_ENUM
#define JJ_ENUM(a, b) OP_jj_##a##_##b,
	INTERP_JJ_PAIRS(JJ_ENUM)
#undef JJ_ENUM
	OP_COUNT
};

/* The fast loop's handler for instruction i of in[0..n), given the plain
 * handler numbers ops[] of all of them: a superinstruction, an r0 variant,
 * or ops[i] (interp_fuse.c). */
int interp_fast_op(const struct moat_insn *in, const uint16_t *ops, size_t n, size_t i);

#endif
