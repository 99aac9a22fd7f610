/*
 * The interpreter's dispatch loop, included twice by interp.c: once with
 * CHECKED 0 (the fast loop, for programs the verifier proved memory safe)
 * and once with CHECKED 1 (every memory access and helper argument checked
 * against the regions the run owns, an instruction budget, tracing).
 * Semantics come from isa.def; this file only says how operands are read
 * and results written.
 *
 * Threaded code: each pre-decoded instruction carries the address of its
 * handler's label, so dispatch is one indirect jump.  Called with a NULL
 * first argument (and, fast loop, a struct interp_resume without an exec),
 * the function only hands out its label table for the decoder.
 *
 * The fast loop is moat_interp_run itself (a checked exec goes on to
 * interp_run_checked): it owns the register file, the stack and the
 * frames, so a run costs a few stores before the first dispatch, and it
 * follows tail calls between unchecked programs itself (interp_chain runs
 * mixed chains).  It keeps r0 in a machine register: instructions writing
 * r0 get "_r0" handlers (chosen at decode time) that update the register
 * and write it through to R[0], so every other handler may read R[0] from
 * memory.  Its superinstructions (interp_internal.h) run two instructions
 * in one dispatch; the second keeps its own handler in the next slot for
 * jumps that land there.
 *
 * Returns 0 when the program exited (r0 in R[0]; the fast loop stores it in
 * *ret), 1 when a tail call is pending (c->tail_to), or a negative error.
 */
#if CHECKED
static int LOOP_FN(struct interp_run *run, const struct moat_dinsn *code,
		   const void *const **labels_out, struct moat_error *err)
#else
INTERP_LOOP_ATTRS
int LOOP_FN(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
	    struct moat_error *err)
#endif
{
	static const void *const labels[OP_COUNT] = {
		[OP_INVALID] = &&L_INVALID,
#define ALU(n64, n32, op, off, e64, e32)                                         \
	[OP_##n64##_K] = &&L_##n64##_K, [OP_##n64##_X] = &&L_##n64##_X,         \
	[OP_##n32##_K] = &&L_##n32##_K, [OP_##n32##_X] = &&L_##n32##_X,
#define JCOND(name, op, c64, c32)                                                \
	[OP_##name##_K] = &&L_##name##_K, [OP_##name##_X] = &&L_##name##_X,     \
	[OP_##name##32_K] = &&L_##name##32_K, [OP_##name##32_X] = &&L_##name##32_X,
#define MEMSIZE(sfx, size, bytes, type, stype)                                   \
	[OP_ldx##sfx] = &&L_ldx##sfx, [OP_ldxs##sfx] = &&L_ldxs##sfx,            \
	[OP_st##sfx] = &&L_st##sfx, [OP_stx##sfx] = &&L_stx##sfx,                \
	[OP_ldabs##sfx] = &&L_ldabs##sfx, [OP_ldind##sfx] = &&L_ldind##sfx,      \
	[OP_ldabs_skb##sfx] = &&L_ldabs_skb##sfx, [OP_ldind_skb##sfx] = &&L_ldind_skb##sfx,
#include "engine/isa.def"
#define ATOMIC_LABELS(name)                                                      \
	[OP_a_##name##32] = &&L_a_##name##32, [OP_a_##name##64] = &&L_a_##name##64, \
	[OP_af_##name##32] = &&L_af_##name##32, [OP_af_##name##64] = &&L_af_##name##64,
		ATOMIC_LABELS(add) ATOMIC_LABELS(or) ATOMIC_LABELS(and) ATOMIC_LABELS(xor)
		ATOMIC_LABELS(xchg_)
		[OP_cmpxchg32] = &&L_cmpxchg32, [OP_cmpxchg64] = &&L_cmpxchg64,
		[OP_lddw] = &&L_lddw, [OP_ja] = &&L_ja, [OP_call] = &&L_call,
		[OP_call_local] = &&L_call_local, [OP_callx] = &&L_callx, [OP_exit] = &&L_exit,
		[OP_le16] = &&L_le16, [OP_le32] = &&L_le32, [OP_le64] = &&L_le64,
		[OP_swap16] = &&L_swap16, [OP_swap32] = &&L_swap32, [OP_swap64] = &&L_swap64,
		[OP_off_end] = &&L_off_end,
#if !CHECKED
#define ALU(n64, n32, op, off, e64, e32)                                         \
	[OP_##n64##_K_r0] = &&L_##n64##_K_r0, [OP_##n64##_X_r0] = &&L_##n64##_X_r0, \
	[OP_##n32##_K_r0] = &&L_##n32##_K_r0, [OP_##n32##_X_r0] = &&L_##n32##_X_r0,
#define MEMSIZE(sfx, size, bytes, type, stype)                                   \
	[OP_ldx##sfx##_r0] = &&L_ldx##sfx##_r0, [OP_ldxs##sfx##_r0] = &&L_ldxs##sfx##_r0,
#include "engine/isa.def"
		[OP_lddw_r0] = &&L_lddw_r0,
		[OP_le16_r0] = &&L_le16_r0, [OP_le32_r0] = &&L_le32_r0, [OP_le64_r0] = &&L_le64,
		[OP_swap16_r0] = &&L_swap16_r0, [OP_swap32_r0] = &&L_swap32_r0,
		[OP_swap64_r0] = &&L_swap64_r0,
		[OP_ret_k] = &&L_ret_k,
#define LX_LABELS(a64, a32, sfx)                                                 \
	[OP_lx##sfx##_##a64] = &&L_lx##sfx##_##a64,                              \
	[OP_lx##sfx##_##a64##_r0] = &&L_lx##sfx##_##a64##_r0,                    \
	[OP_lx##sfx##_##a32] = &&L_lx##sfx##_##a32,                              \
	[OP_lx##sfx##_##a32##_r0] = &&L_lx##sfx##_##a32##_r0,
#define MEMSIZE(sfx, size, bytes, type, stype) INTERP_LX_OPS(LX_LABELS, sfx)
#include "engine/isa.def"
#undef LX_LABELS
#define LBE_LABELS(sfx, bits, type) [OP_lbe##sfx] = &&L_lbe##sfx,
		INTERP_LBE_SIZES(LBE_LABELS)
#undef LBE_LABELS
#define AJ_LABELS(alu, j) [OP_aj_##alu##_##j] = &&L_aj_##alu##_##j,
#define JCOND(name, op, c64, c32) INTERP_AJ_OPS(AJ_LABELS, name)
#include "engine/isa.def"
#undef AJ_LABELS
#define MA_LABELS(alu) [OP_ma_##alu] = &&L_ma_##alu,
		INTERP_MA_OPS(MA_LABELS)
#undef MA_LABELS
#define JJ_LABELS(a, b) [OP_jj_##a##_##b] = &&L_jj_##a##_##b,
		INTERP_JJ_PAIRS(JJ_LABELS)
#undef JJ_LABELS
#endif
	};
#if CHECKED
	if (!run) {
		*labels_out = labels;
		return 0;
	}
	uint64_t *R = run->regs;
	struct moat_call *c = &run->call;
	const struct moat_dinsn *I = code + run->pc;
	struct interp_frame frames[MOAT_MAX_FRAMES];
	int depth = 0;
	uint64_t budget = run->budget;
#else
	_Alignas(16) uint8_t stack[MOAT_MAX_FRAMES * MOAT_STACK_SIZE];
	struct interp_run own; /* the helpers' view of the run, set up at the first call */
	struct interp_run *run = &own;
	uint64_t R[MOAT_NREGS];
	struct interp_frame frames[MOAT_MAX_FRAMES];
	int depth = 0;
	bool call_ready = false;
	if (__builtin_expect(!exec, 0))
		goto L_resume;
	if (__builtin_expect(exec->checked, 0))
		return interp_run_checked(exec, ctx, ctx_len, ret, err);
	/* No register is zeroed: the verifier proved none is read before it
	 * is written (the checked loop, for unverified programs, zeroes them). */
	R[1] = (uintptr_t)ctx;
	R[2] = ctx_len;
	R[MOAT_R10] = (uintptr_t)(stack + sizeof(stack));
L_resumed:;
	struct moat_call *c = &run->call;
	const struct moat_dinsn *I = exec->code;
	uint64_t r0 = 0;
#endif

#if CHECKED
#define CHK(addr, len)                                                           \
	do {                                                                     \
		if (!interp_access_ok(c, (addr), (len)))                         \
			return interp_fault(run, CODE, I, (addr), (len), err);   \
	} while (0)
#define DISPATCH                                                                 \
	do {                                                                     \
		if (__builtin_expect(--budget == 0, 0))                          \
			return moat_error_insn(err, E2BIG, I - CODE,             \
					       "instruction budget exhausted (the "   \
					       "program may loop forever)");          \
		if (__builtin_expect(run->trace != NULL, 0))                     \
			interp_trace_step(run, CODE, I);                         \
		goto *I->op;                                                     \
	} while (0)
#define CODE code
#define SET_R0(v) (R[0] = (v))
#define RELOAD_R0() ((void)0)
#define CALL_READY() ((void)0)
#else
#define CHK(addr, len) ((void)0)
#define DISPATCH goto *I->op
#define CODE (exec->code)
#define SET_R0(v) (R[0] = r0 = (v))
#define RELOAD_R0() (r0 = R[0])
#define CALL_READY()                                                             \
	do {                                                                     \
		if (!call_ready) {                                               \
			interp_call_init(c, exec);                               \
			call_ready = true;                                       \
		}                                                                \
	} while (0)
#endif
#define NEXT                                                                     \
	do {                                                                     \
		I++;                                                             \
		DISPATCH;                                                        \
	} while (0)
	/* k holds the target's address (two dispatch sites, one per outcome,
	 * measured no faster). */
#define JUMP_IF(cond)                                                            \
	do {                                                                     \
		I = (cond) ? (const struct moat_dinsn *)(uintptr_t)I->k : I + 1; \
		DISPATCH;                                                        \
	} while (0)

	DISPATCH;

L_INVALID:
	return moat_error_insn(err, EINVAL, I - CODE, "invalid instruction");
L_off_end:
	return moat_error_set(err, EINVAL,
			      "control left the program (fell off its end or jumped outside it)");

#define ALU(n64, n32, op, off, e64, e32)                                         \
	L_##n64##_K : {                                                          \
		uint64_t D = R[I->dst], S = I->k;                                \
		(void)D, (void)S;                                                \
		R[I->dst] = (e64);                                               \
		NEXT;                                                            \
	}                                                                        \
	L_##n64##_X : {                                                          \
		uint64_t D = R[I->dst], S = R[I->src];                           \
		(void)D, (void)S;                                                \
		R[I->dst] = (e64);                                               \
		NEXT;                                                            \
	}                                                                        \
	L_##n32##_K : {                                                          \
		uint64_t D = R[I->dst], S = I->k;                                \
		(void)D, (void)S;                                                \
		R[I->dst] = (uint32_t)(e32);                                     \
		NEXT;                                                            \
	}                                                                        \
	L_##n32##_X : {                                                          \
		uint64_t D = R[I->dst], S = R[I->src];                           \
		(void)D, (void)S;                                                \
		R[I->dst] = (uint32_t)(e32);                                     \
		NEXT;                                                            \
	}
#define JCOND(name, op, c64, c32)                                                \
	L_##name##_K : {                                                         \
		uint64_t D = R[I->dst], S = (uint64_t)(int64_t)I->imm;           \
		JUMP_IF(c64);                                                    \
	}                                                                        \
	L_##name##_X : {                                                         \
		uint64_t D = R[I->dst], S = R[I->src];                           \
		JUMP_IF(c64);                                                    \
	}                                                                        \
	L_##name##32_K : {                                                       \
		uint64_t D = R[I->dst], S = (uint64_t)(int64_t)I->imm;           \
		JUMP_IF(c32);                                                    \
	}                                                                        \
	L_##name##32_X : {                                                       \
		uint64_t D = R[I->dst], S = R[I->src];                           \
		JUMP_IF(c32);                                                    \
	}
#define MEMSIZE(sfx, size, bytes, type, stype)                                   \
	L_ldx##sfx : {                                                           \
		uintptr_t a = (uintptr_t)(R[I->src] + (uint64_t)(int64_t)I->off); \
		CHK(a, bytes);                                                   \
		type v;                                                          \
		memcpy(&v, (const void *)a, bytes);                              \
		R[I->dst] = v;                                                   \
		NEXT;                                                            \
	}                                                                        \
	L_ldxs##sfx : {                                                          \
		uintptr_t a = (uintptr_t)(R[I->src] + (uint64_t)(int64_t)I->off); \
		CHK(a, bytes);                                                   \
		stype v;                                                         \
		memcpy(&v, (const void *)a, bytes);                              \
		R[I->dst] = (uint64_t)(int64_t)v;                                \
		NEXT;                                                            \
	}                                                                        \
	L_st##sfx : {                                                            \
		uintptr_t a = (uintptr_t)(R[I->dst] + (uint64_t)(int64_t)I->off); \
		CHK(a, bytes);                                                   \
		type v = (type)I->k;                                             \
		memcpy((void *)a, &v, bytes);                                    \
		NEXT;                                                            \
	}                                                                        \
	L_stx##sfx : {                                                           \
		uintptr_t a = (uintptr_t)(R[I->dst] + (uint64_t)(int64_t)I->off); \
		CHK(a, bytes);                                                   \
		type v = (type)R[I->src];                                        \
		memcpy((void *)a, &v, bytes);                                    \
		NEXT;                                                            \
	}                                                                        \
	L_ldabs##sfx : {                                                         \
		uint64_t v;                                                      \
		if (!interp_ld_pkt(ctx_of(run), ctx_len_of(run), (uint32_t)I->imm, \
				   bytes, &v))                                   \
			goto L_pkt_out;                                          \
		SET_R0(v);                                                       \
		NEXT;                                                            \
	}                                                                        \
	L_ldind##sfx : {                                                         \
		uint64_t v;                                                      \
		if (!interp_ld_pkt(ctx_of(run), ctx_len_of(run),                 \
				   (uint32_t)R[I->src] + (uint32_t)I->imm, bytes, &v)) \
			goto L_pkt_out;                                          \
		SET_R0(v);                                                       \
		NEXT;                                                            \
	}                                                                        \
	L_ldabs_skb##sfx : {                                                     \
		uint64_t v;                                                      \
		if (!interp_ld_skb(R[MOAT_R6], (uint32_t)I->imm, bytes, &v))     \
			goto L_pkt_out;                                          \
		SET_R0(v);                                                       \
		NEXT;                                                            \
	}                                                                        \
	L_ldind_skb##sfx : {                                                     \
		uint64_t v;                                                      \
		if (!interp_ld_skb(R[MOAT_R6], (uint32_t)R[I->src] + (uint32_t)I->imm, \
				   bytes, &v))                                   \
			goto L_pkt_out;                                          \
		SET_R0(v);                                                       \
		NEXT;                                                            \
	}
#if CHECKED
#define ctx_of(run) ((run)->ctx)
#define ctx_len_of(run) ((run)->ctx_len)
#else
#define ctx_of(run) ctx
#define ctx_len_of(run) ctx_len
#endif
#include "engine/isa.def"
#undef ctx_of
#undef ctx_len_of

#if !CHECKED
	/* r0 in a machine register (written through to R[0]). */
#define ALU(n64, n32, op, off, e64, e32)                                         \
	L_##n64##_K_r0 : {                                                       \
		uint64_t D = r0, S = I->k;                                       \
		(void)D, (void)S;                                                \
		SET_R0(e64);                                                     \
		NEXT;                                                            \
	}                                                                        \
	L_##n64##_X_r0 : {                                                       \
		uint64_t D = r0, S = R[I->src];                                  \
		(void)D, (void)S;                                                \
		SET_R0(e64);                                                     \
		NEXT;                                                            \
	}                                                                        \
	L_##n32##_K_r0 : {                                                       \
		uint64_t D = r0, S = I->k;                                       \
		(void)D, (void)S;                                                \
		SET_R0((uint32_t)(e32));                                         \
		NEXT;                                                            \
	}                                                                        \
	L_##n32##_X_r0 : {                                                       \
		uint64_t D = r0, S = R[I->src];                                  \
		(void)D, (void)S;                                                \
		SET_R0((uint32_t)(e32));                                         \
		NEXT;                                                            \
	}
#define MEMSIZE(sfx, size, bytes, type, stype)                                   \
	L_ldx##sfx##_r0 : {                                                      \
		type v;                                                          \
		memcpy(&v, (const void *)(uintptr_t)(R[I->src] + (uint64_t)(int64_t)I->off), \
		       bytes);                                                   \
		SET_R0(v);                                                       \
		NEXT;                                                            \
	}                                                                        \
	L_ldxs##sfx##_r0 : {                                                     \
		stype v;                                                         \
		memcpy(&v, (const void *)(uintptr_t)(R[I->src] + (uint64_t)(int64_t)I->off), \
		       bytes);                                                   \
		SET_R0((uint64_t)(int64_t)v);                                    \
		NEXT;                                                            \
	}
#include "engine/isa.def"

L_lddw_r0:
	SET_R0(I->k);
	I += 2;
	DISPATCH;
L_le16_r0:
	SET_R0((uint16_t)r0);
	NEXT;
L_le32_r0:
	SET_R0((uint32_t)r0);
	NEXT;
L_swap16_r0:
	SET_R0(__builtin_bswap16((uint16_t)r0));
	NEXT;
L_swap32_r0:
	SET_R0(__builtin_bswap32((uint32_t)r0));
	NEXT;
L_swap64_r0:
	SET_R0(__builtin_bswap64(r0));
	NEXT;

	/* Superinstructions: slot I and the instruction in I[1]. */
L_ret_k: /* r0 = imm; exit */
	if (__builtin_expect(depth == 0, 1)) {
		if (ret)
			*ret = I->k;
		return 0;
	}
	SET_R0(I->k);
	I++;
	goto L_exit;

	/* ldx rA, [rB+off]; alu rC, rA (rC != rA): the loaded value feeds the ALU. */
#define LX_BODY(type, fn, to_r0)                                                 \
	{                                                                        \
		type v;                                                          \
		memcpy(&v, (const void *)(uintptr_t)(R[I->src] + (uint64_t)(int64_t)I->off), \
		       sizeof(v));                                               \
		R[I->dst] = v;                                                   \
		if (to_r0)                                                       \
			SET_R0(fn(r0, v));                                       \
		else                                                             \
			R[I[1].dst] = fn(R[I[1].dst], v);                        \
		I += 2;                                                          \
		DISPATCH;                                                        \
	}
#define LX_HANDLERS(a64, a32, sfx, type)                                         \
	L_lx##sfx##_##a64 : LX_BODY(type, interp_alu_##a64, 0)                   \
	L_lx##sfx##_##a64##_r0 : LX_BODY(type, interp_alu_##a64, 1)              \
	L_lx##sfx##_##a32 : LX_BODY(type, interp_alu_##a32, 0)                   \
	L_lx##sfx##_##a32##_r0 : LX_BODY(type, interp_alu_##a32, 1)
#define MEMSIZE(sfx, size, bytes, type, stype) INTERP_LX_OPS(LX_HANDLERS, sfx, type)
#include "engine/isa.def"
#undef LX_HANDLERS
#undef LX_BODY

	/* The second instruction of a pair jumps to I[1].k when cond holds. */
#define JUMP2_IF(cond)                                                           \
	do {                                                                     \
		I = (cond) ? (const struct moat_dinsn *)(uintptr_t)I[1].k : I + 2; \
		DISPATCH;                                                        \
	} while (0)

	/* ldx rA, [rB+off]; be rA (rA != r0) */
#define LBE_HANDLERS(sfx, bits, type)                                            \
	L_lbe##sfx : {                                                           \
		type v;                                                          \
		memcpy(&v, (const void *)(uintptr_t)(R[I->src] + (uint64_t)(int64_t)I->off), \
		       sizeof(v));                                               \
		R[I->dst] = __builtin_bswap##bits(v);                            \
		I += 2;                                                          \
		DISPATCH;                                                        \
	}
	INTERP_LBE_SIZES(LBE_HANDLERS)
#undef LBE_HANDLERS

	/* alu rA, imm; jcc rA, imm, +off (rA != r0) */
#define AJ_HANDLERS(alu, j)                                                      \
	L_aj_##alu##_##j : {                                                     \
		uint64_t D = interp_alu_##alu(R[I->dst], I->k);                  \
		R[I->dst] = D;                                                   \
		JUMP2_IF(interp_cond_##j(D, (uint64_t)(int64_t)I[1].imm));       \
	}
#define JCOND(name, op, c64, c32) INTERP_AJ_OPS(AJ_HANDLERS, name)
#include "engine/isa.def"
#undef AJ_HANDLERS

	/* mov rA, rB; alu rA, imm (rA != r0) */
#define MA_HANDLERS(alu)                                                         \
	L_ma_##alu : {                                                           \
		R[I->dst] = interp_alu_##alu(R[I->src], I[1].k);                 \
		I += 2;                                                          \
		DISPATCH;                                                        \
	}
	INTERP_MA_OPS(MA_HANDLERS)
#undef MA_HANDLERS

	/* jeq/jne rA, imm; jeq/jne rA, imm */
#define JJ_HANDLERS(j1, j2)                                                      \
	L_jj_##j1##_##j2 : {                                                     \
		uint64_t D = R[I->dst];                                          \
		if (interp_cond_##j1(D, (uint64_t)(int64_t)I->imm)) {            \
			I = (const struct moat_dinsn *)(uintptr_t)I->k;          \
			DISPATCH;                                                \
		}                                                                \
		JUMP2_IF(interp_cond_##j2(D, (uint64_t)(int64_t)I[1].imm));      \
	}
	INTERP_JJ_PAIRS(JJ_HANDLERS)
#undef JJ_HANDLERS
#undef JUMP2_IF
#endif

	/* Atomics: natural alignment is required (the kernel's rule too). */
#define ATOMIC_BODY(label, T, fn, fetch)                                         \
	label : {                                                                \
		uintptr_t a = (uintptr_t)(R[I->dst] + (uint64_t)(int64_t)I->off); \
		CHK(a, sizeof(T));                                               \
		if (CHECKED && (a & (sizeof(T) - 1)))                            \
			return interp_fault(run, CODE, I, a, sizeof(T), err);    \
		T old = fn((T *)a, (T)R[I->src], __ATOMIC_SEQ_CST);              \
		if (fetch) {                                                     \
			R[I->src] = old;                                         \
			RELOAD_R0();                                             \
		}                                                                \
		NEXT;                                                            \
	}
#define ATOMIC_OP(name, fn)                                                      \
	ATOMIC_BODY(L_a_##name##32, uint32_t, fn, 0)                             \
	ATOMIC_BODY(L_af_##name##32, uint32_t, fn, 1)                            \
	ATOMIC_BODY(L_a_##name##64, uint64_t, fn, 0)                             \
	ATOMIC_BODY(L_af_##name##64, uint64_t, fn, 1)
	ATOMIC_OP(add, __atomic_fetch_add)
	ATOMIC_OP(or, __atomic_fetch_or)
	ATOMIC_OP(and, __atomic_fetch_and)
	ATOMIC_OP(xor, __atomic_fetch_xor)
	ATOMIC_OP(xchg_, __atomic_exchange_n)

L_cmpxchg32: {
	uintptr_t a = (uintptr_t)(R[I->dst] + (uint64_t)(int64_t)I->off);
	CHK(a, 4);
	if (CHECKED && (a & 3))
		return interp_fault(run, CODE, I, a, 4, err);
	uint32_t expect = (uint32_t)R[0];
	__atomic_compare_exchange_n((uint32_t *)a, &expect, (uint32_t)R[I->src], false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	SET_R0(expect);
	NEXT;
}
L_cmpxchg64: {
	uintptr_t a = (uintptr_t)(R[I->dst] + (uint64_t)(int64_t)I->off);
	CHK(a, 8);
	if (CHECKED && (a & 7))
		return interp_fault(run, CODE, I, a, 8, err);
	uint64_t expect = R[0];
	__atomic_compare_exchange_n((uint64_t *)a, &expect, R[I->src], false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	SET_R0(expect);
	NEXT;
}

L_le16:
	R[I->dst] = (uint16_t)R[I->dst];
	NEXT;
L_le32:
	R[I->dst] = (uint32_t)R[I->dst];
	NEXT;
L_le64:
	NEXT;
L_swap16:
	R[I->dst] = __builtin_bswap16((uint16_t)R[I->dst]);
	NEXT;
L_swap32:
	R[I->dst] = __builtin_bswap32((uint32_t)R[I->dst]);
	NEXT;
L_swap64:
	R[I->dst] = __builtin_bswap64(R[I->dst]);
	NEXT;

L_lddw:
	R[I->dst] = I->k;
	I += 2;
	DISPATCH;
L_ja:
	I = (const struct moat_dinsn *)(uintptr_t)I->k;
	DISPATCH;

L_callx: {
	CALL_READY();
	uint64_t id = R[I->k];
	if (id > UINT32_MAX || !moat_vm_helper(c->vm, (uint32_t)id))
		return moat_error_insn(err, EINVAL, I - CODE,
				       "callx: r%u = %llu is not a registered helper",
				       (unsigned)I->k, (unsigned long long)id);
	run->helper_id = (uint32_t)id;
	goto L_do_call;
}
L_call:
	run->helper_id = (uint32_t)I->k;
	CALL_READY();
L_do_call: {
	const struct moat_helper_entry *h = moat_vm_helper(c->vm, run->helper_id);
	if (!h)
		return moat_error_insn(err, EINVAL, I - CODE, "helper %u is not registered",
				       run->helper_id);
#if CHECKED
	int ar = interp_check_args(run, h, I - CODE, err);
	if (ar < 0)
		return ar;
#endif
	c->user = h->user;
	SET_R0(h->fn(R[1], R[2], R[3], R[4], R[5], c));
	if (CHECKED && c->oom)
		return moat_error_set(err, ENOMEM, "out of memory");
	if (c->tail_to) {
#if CHECKED
		run->pc = (size_t)(I - CODE);
		return 1;
#else
		struct moat_exec *to = c->tail_to;
		if (!to->checked) { /* stay here: a tail call is a jump */
			c->tail_to = NULL;
			c->exec = exec = to;
			R[2] = ctx_len;
			R[MOAT_R10] = (uintptr_t)(run != &own ? run->stack_top : stack + sizeof(stack));
			r0 = 0;
			depth = 0;
			I = exec->code;
			DISPATCH;
		}
		run->regs[1] = R[1];
		if (run != &own) /* resumed: interp_chain switches programs */
			return 1;
		interp_run_init(run, to, ctx, ctx_len);
		return interp_chain(run, stack, sizeof(stack), ret, err);
#endif
	}
	NEXT;
}

L_call_local:
	if (depth + 1 >= MOAT_MAX_FRAMES)
		return moat_error_insn(err, E2BIG, I - CODE,
				       "local call nests deeper than %d frames", MOAT_MAX_FRAMES);
	frames[depth].ret = I + 1;
	memcpy(frames[depth].saved, &R[MOAT_R6], sizeof(frames[depth].saved));
	depth++;
	R[MOAT_R10] -= MOAT_STACK_SIZE;
	if (CHECKED) { /* region 0 is the stack: the frames alive now */
		c->regions[0].lo -= MOAT_STACK_SIZE;
		interp_zero_frame((uint8_t *)(uintptr_t)(R[MOAT_R10] - MOAT_STACK_SIZE));
	}
	I = (const struct moat_dinsn *)(uintptr_t)I->k;
	DISPATCH;

L_exit:
	if (__builtin_expect(depth == 0, 1)) {
#if CHECKED
		if (run->trace)
			interp_trace_step(run, CODE, NULL);
#else
		if (ret)
			*ret = r0;
#endif
		return 0;
	}
	depth--;
	memcpy(&R[MOAT_R6], frames[depth].saved, sizeof(frames[depth].saved));
	R[MOAT_R10] += MOAT_STACK_SIZE;
	if (CHECKED)
		c->regions[0].lo += MOAT_STACK_SIZE;
	I = frames[depth].ret;
	DISPATCH;

#if !CHECKED
L_resume: {
	struct interp_resume *rs = ctx;
	if (!rs->exec) {
		rs->labels = labels;
		return 0;
	}
	/* resumed by interp_chain after a tail call from a checked program */
	exec = rs->exec;
	ctx = rs->ctx;
	ctx_len = rs->ctx_len;
	run = rs->run;
	call_ready = true;
	run->call.checked = false;
	R[1] = run->regs[1];
	R[2] = ctx_len;
	R[MOAT_R10] = (uintptr_t)run->stack_top;
}
	goto L_resumed;
#endif

L_pkt_out:
	/* A legacy packet load outside the packet ends the program with r0 = 0. */
	R[0] = 0;
#if !CHECKED
	if (ret)
		*ret = 0;
#endif
	return 0;

#undef CHK
#undef CODE
#undef DISPATCH
#undef NEXT
#undef JUMP_IF
#undef SET_R0
#undef RELOAD_R0
#undef CALL_READY
#undef ATOMIC_OP
#undef ATOMIC_BODY
#undef ATOMIC_LABELS
}
