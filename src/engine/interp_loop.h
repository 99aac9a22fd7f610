/*
 * The interpreter's dispatch loop, included twice by interp.c: once with
 * CHECKED 0 (the fast loop, for programs the verifier proved memory safe)
 * and once with CHECKED 1 (every memory access and helper argument checked
 * against the regions the run owns, an instruction budget, tracing).
 * Semantics come from isa.def; this file only says how operands are read
 * and results written.
 *
 * Threaded code: each pre-decoded instruction carries the address of its
 * handler's label, so dispatch is one indirect jump.  Called with code ==
 * NULL, the function only hands out its label table for the decoder.
 *
 * Returns 0 when the program exited (r0 in R[0]), 1 when a tail call is
 * pending (c->tail_to), or a negative error.
 */
static int LOOP_FN(struct interp_run *run, const struct moat_dinsn *code,
		   const void *const **labels_out, struct moat_error *err)
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
	[OP_ldabs##sfx] = &&L_ldabs##sfx, [OP_ldind##sfx] = &&L_ldind##sfx,
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
	};
	if (!code) {
		*labels_out = labels;
		return 0;
	}
	uint64_t *R = run->regs;
	struct moat_call *c = &run->call;
	const struct moat_dinsn *I = code + run->pc;
	struct interp_frame frames[MOAT_MAX_FRAMES];
	int depth = 0;
	uint64_t budget = run->budget;
	(void)budget;

#if CHECKED
#define CHK(addr, len)                                                           \
	do {                                                                     \
		if (!interp_access_ok(c, (addr), (len)))                         \
			return interp_fault(run, code, I, (addr), (len), err);   \
	} while (0)
#define DISPATCH                                                                 \
	do {                                                                     \
		if (--budget == 0)                                               \
			return moat_error_insn(err, E2BIG, I - code,             \
					       "instruction budget exhausted (the "   \
					       "program may loop forever)");          \
		if (run->trace)                                                  \
			interp_trace_step(run, code, I);                         \
		goto *I->op;                                                     \
	} while (0)
#else
#define CHK(addr, len) ((void)0)
#define DISPATCH goto *I->op
#endif
#define NEXT                                                                     \
	do {                                                                     \
		I++;                                                             \
		DISPATCH;                                                        \
	} while (0)
#define JUMP_IF(cond)                                                            \
	do {                                                                     \
		I = (cond) ? code + I->k : I + 1;                                \
		DISPATCH;                                                        \
	} while (0)

	DISPATCH;

L_INVALID:
	return moat_error_insn(err, EINVAL, I - code, "invalid instruction");
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
		if (!interp_ld_pkt(run, (uint32_t)I->imm, bytes))                \
			goto L_pkt_out;                                          \
		NEXT;                                                            \
	}                                                                        \
	L_ldind##sfx : {                                                         \
		if (!interp_ld_pkt(run, (uint32_t)R[I->src] + (uint32_t)I->imm, bytes)) \
			goto L_pkt_out;                                          \
		NEXT;                                                            \
	}
#include "engine/isa.def"

	/* Atomics: natural alignment is required (the kernel's rule too). */
#define ATOMIC_BODY(label, T, fn, fetch)                                         \
	label : {                                                                \
		uintptr_t a = (uintptr_t)(R[I->dst] + (uint64_t)(int64_t)I->off); \
		CHK(a, sizeof(T));                                               \
		if (CHECKED && (a & (sizeof(T) - 1)))                            \
			return interp_fault(run, code, I, a, sizeof(T), err);    \
		T old = fn((T *)a, (T)R[I->src], __ATOMIC_SEQ_CST);              \
		if (fetch)                                                       \
			R[I->src] = old;                                         \
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
		return interp_fault(run, code, I, a, 4, err);
	uint32_t expect = (uint32_t)R[0];
	__atomic_compare_exchange_n((uint32_t *)a, &expect, (uint32_t)R[I->src], false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	R[0] = expect;
	NEXT;
}
L_cmpxchg64: {
	uintptr_t a = (uintptr_t)(R[I->dst] + (uint64_t)(int64_t)I->off);
	CHK(a, 8);
	if (CHECKED && (a & 7))
		return interp_fault(run, code, I, a, 8, err);
	uint64_t expect = R[0];
	__atomic_compare_exchange_n((uint64_t *)a, &expect, R[I->src], false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	R[0] = expect;
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
	I = code + I->k;
	DISPATCH;

L_callx: {
	uint64_t id = R[I->k];
	if (id > UINT32_MAX || !moat_vm_helper(c->vm, (uint32_t)id))
		return moat_error_insn(err, EINVAL, I - code,
				       "callx: r%u = %llu is not a registered helper",
				       (unsigned)I->k, (unsigned long long)id);
	run->helper_id = (uint32_t)id;
	goto L_do_call;
}
L_call:
	run->helper_id = (uint32_t)I->k;
L_do_call: {
	const struct moat_helper_entry *h = moat_vm_helper(c->vm, run->helper_id);
	if (!h)
		return moat_error_insn(err, EINVAL, I - code, "helper %u is not registered",
				       run->helper_id);
#if CHECKED
	int ar = interp_check_args(run, h, I - code, err);
	if (ar < 0)
		return ar;
#endif
	c->user = h->user;
	R[0] = h->fn(R[1], R[2], R[3], R[4], R[5], c);
	if (CHECKED && c->oom)
		return moat_error_set(err, ENOMEM, "out of memory");
	if (c->tail_to) {
		run->pc = (size_t)(I - code);
		return 1;
	}
	NEXT;
}

L_call_local:
	if (depth + 1 >= MOAT_MAX_FRAMES)
		return moat_error_insn(err, E2BIG, I - code,
				       "local call nests deeper than %d frames", MOAT_MAX_FRAMES);
	frames[depth].ret = I + 1;
	memcpy(frames[depth].saved, &R[MOAT_R6], sizeof(frames[depth].saved));
	depth++;
	R[MOAT_R10] -= MOAT_STACK_SIZE;
	if (CHECKED) { /* region 0 is the stack: the frames alive now */
		c->regions[0].lo -= MOAT_STACK_SIZE;
		memset((void *)(uintptr_t)(R[MOAT_R10] - MOAT_STACK_SIZE), 0, MOAT_STACK_SIZE);
	}
	I = code + I->k;
	DISPATCH;

L_exit:
	if (depth == 0) {
#if CHECKED
		if (run->trace)
			interp_trace_step(run, code, NULL);
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

L_pkt_out:
	/* A legacy packet load outside the packet ends the program with r0 = 0. */
	R[0] = 0;
	return 0;

#undef CHK
#undef DISPATCH
#undef NEXT
#undef JUMP_IF
#undef ATOMIC_OP
#undef ATOMIC_BODY
#undef ATOMIC_LABELS
}
