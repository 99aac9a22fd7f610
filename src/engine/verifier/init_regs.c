/*
 * The verifier's second pass: registers are written before they are read.
 *
 * A forward "must be initialised" data-flow analysis: the state at each
 * instruction is the set of registers written on every path reaching it
 * (the intersection over predecessors).  States only shrink, and every
 * instruction is re-checked whenever its state shrinks, so the check at
 * the fixed point is the one that counts and no path is missed.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/exec_internal.h"
#include "engine/isa.h"
#include "engine/verifier/verifier_internal.h"

#define BIT(r) ((uint16_t)(1u << (r)))

static void rw_alu(const struct moat_insn *in, uint16_t *use)
{
	unsigned op = MOAT_OP(in->code);
	bool x = MOAT_SRC(in->code) == MOAT_X;
	if (op == MOAT_END || op == MOAT_NEG)
		*use = BIT(in->dst);
	else if (op == MOAT_MOV)
		*use = x ? BIT(in->src) : 0;
	else
		*use = BIT(in->dst) | (x ? BIT(in->src) : 0);
}

static void rw_call(const struct moat_insn *in, const struct moat_vm *vm, uint16_t *use)
{
	if (MOAT_SRC(in->code) == MOAT_X) {
		*use = BIT(in->dst ? in->dst : (unsigned)in->imm & 15);
		return;
	}
	const struct moat_helper_proto *p =
		in->src == MOAT_CALL_HELPER ? moat_vm_helper_proto(vm, (uint32_t)in->imm) : NULL;
	for (int a = 0; p && a < 5; a++)
		if (p->args[a] != MOAT_ARG_NONE)
			*use |= BIT(a + 1);
}

void moat_verify_insn_rw(const struct moat_insn *in, const struct moat_vm *vm, uint16_t *use,
			 uint16_t *def)
{
	unsigned cls = MOAT_CLASS(in->code), op = MOAT_OP(in->code), mode = MOAT_MODE(in->code);
	*use = *def = 0;
	switch (cls) {
	case MOAT_ALU:
	case MOAT_ALU64:
		rw_alu(in, use);
		*def = BIT(in->dst);
		return;
	case MOAT_JMP:
	case MOAT_JMP32:
		if (op == MOAT_EXIT) {
			*use = BIT(0);
		} else if (op == MOAT_CALL) {
			rw_call(in, vm, use);
			*def = BIT(0);
		} else if (op != MOAT_JA) {
			*use = BIT(in->dst) | (MOAT_SRC(in->code) == MOAT_X ? BIT(in->src) : 0);
		}
		return;
	case MOAT_LD:
		if (moat_is_lddw(in))
			*def = BIT(in->dst);
		else
			*use = mode == MOAT_IND ? BIT(in->src) : 0, *def = BIT(0);
		return;
	case MOAT_LDX:
		*use = BIT(in->src);
		*def = BIT(in->dst);
		return;
	case MOAT_ST:
		*use = BIT(in->dst);
		return;
	default:
		*use = BIT(in->dst) | BIT(in->src);
		if (mode == MOAT_ATOMIC && in->imm == MOAT_CMPXCHG)
			*use |= BIT(0), *def = BIT(0);
		else if (mode == MOAT_ATOMIC && (in->imm & MOAT_FETCH))
			*def = BIT(in->src);
		return;
	}
}

/* Successors of instruction i (at most two); returns their count. */
static int succs(const struct moat_insn *in, size_t i, size_t n, size_t out[2])
{
	unsigned cls = MOAT_CLASS(in->code), op = MOAT_OP(in->code);
	int k = 0;
	if (cls == MOAT_JMP || cls == MOAT_JMP32) {
		if (op == MOAT_EXIT)
			return 0;
		if (op == MOAT_JA) {
			out[0] = (size_t)((int64_t)i + 1 + (cls == MOAT_JMP32 ? in->imm : in->off));
			return 1;
		}
		if (op != MOAT_CALL)
			out[k++] = (size_t)((int64_t)i + 1 + in->off);
	}
	size_t next = i + (moat_is_lddw(in) ? 2 : 1);
	if (next < n)
		out[k++] = next;
	return k;
}

int moat_verify_init_regs(const struct moat_prog *prog, const struct moat_vm *vm,
			  const uint8_t *kind, struct moat_error *err)
{
	size_t n;
	const struct moat_insn *insns = moat_prog_insns(prog, &n);
	uint16_t *state = calloc(n, sizeof(*state));
	uint8_t *seen = calloc(n, 1);
	size_t *work = calloc(n, sizeof(*work)), top = 0;
	int r = 0;
	if (!state || !seen || !work) {
		r = moat_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	uint16_t entry = BIT(1) | BIT(10) | (moat_prog_type(prog) == MOAT_PROG_MEM ? BIT(2) : 0);
	for (size_t i = 0; i < n; i++) {
		if (kind[i] & VK_FUNC_START) {
			state[i] = i ? 0x43e : entry; /* r1-r5 and r10 in local functions */
			seen[i] = 2;
			work[top++] = i;
		}
	}
	while (top > 0) {
		size_t i = work[--top];
		seen[i] = 1;
		uint16_t use, def, missing;
		moat_verify_insn_rw(&insns[i], vm, &use, &def);
		if ((missing = use & (uint16_t)~state[i])) {
			r = moat_error_insn(err, EACCES, (long)i, "r%d is read before it is written",
					    __builtin_ctz(missing));
			goto out;
		}
		size_t s[2];
		for (int k = succs(&insns[i], i, n, s); k-- > 0;) {
			uint16_t ns = seen[s[k]] ? state[s[k]] & (state[i] | def) : state[i] | def;
			if (seen[s[k]] && ns == state[s[k]])
				continue;
			state[s[k]] = ns;
			if (seen[s[k]] != 2) {
				seen[s[k]] = 2;
				work[top++] = s[k];
			}
		}
	}
out:
	free(state);
	free(seen);
	free(work);
	return r;
}

uint16_t *moat_verify_liveness(const struct moat_prog *prog, const struct moat_vm *vm,
			       const uint8_t *kind)
{
	size_t n;
	const struct moat_insn *insns = moat_prog_insns(prog, &n);
	uint16_t *live = calloc(n + 1, sizeof(*live));
	if (!live)
		return NULL;
	/* Backward iteration to the fixed point: live[i] = use | (out & ~def).
	 * Calls clobber r1-r5 (and a local call reads its arguments). */
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = n; k-- > 0;) {
			if (kind[k] & VK_LDDW_HI)
				continue;
			const struct moat_insn *in = &insns[k];
			uint16_t use, def, out = 0;
			moat_verify_insn_rw(in, vm, &use, &def);
			bool call = in->code == (MOAT_JMP | MOAT_CALL) ||
				    in->code == (MOAT_JMP | MOAT_CALL | MOAT_X);
			if (call) {
				def |= 0x3f;
				if (in->src == MOAT_CALL_LOCAL && in->code == (MOAT_JMP | MOAT_CALL))
					use |= 0x3e;
			}
			size_t s[2];
			for (int j = succs(in, k, n, s); j-- > 0;)
				out |= live[s[j]];
			uint16_t v = (uint16_t)(use | (out & ~def)) | BIT(10);
			if (v != live[k]) {
				live[k] = v;
				changed = true;
			}
		}
	}
	return live;
}

/*
 * Registers whose value can matter for safety, before each instruction: it
 * may flow (through ALU operations and moves) into a branch condition, a
 * memory address, a value stored to memory, a helper or local-call argument,
 * a callx target, or r0 at an exit where the value is checked (functions
 * return into their callers; programs whose type limits the return value).
 * Scalars outside this set may differ between two states without changing
 * which paths are feasible or safe, so pruning ignores their ranges (the
 * kernel tracks the same idea dynamically as "precision").
 */
uint16_t *moat_verify_precision(const struct moat_prog *prog, const struct moat_vm *vm,
				const uint8_t *kind, bool main_r0_checked)
{
	size_t n;
	const struct moat_insn *insns = moat_prog_insns(prog, &n);
	uint16_t *prec = calloc(n + 1, sizeof(*prec));
	bool *in_sub = calloc(n + 1, sizeof(*in_sub));
	if (!prec || !in_sub) {
		free(prec);
		free(in_sub);
		return NULL;
	}
	bool sub = false;
	for (size_t i = 0; i < n; i++) {
		if (kind[i] & VK_FUNC_START)
			sub = i != 0;
		in_sub[i] = sub;
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = n; k-- > 0;) {
			if (kind[k] & VK_LDDW_HI)
				continue;
			const struct moat_insn *in = &insns[k];
			unsigned cls = MOAT_CLASS(in->code), op = MOAT_OP(in->code);
			bool x = MOAT_SRC(in->code) == MOAT_X;
			uint16_t out = 0, v;
			size_t s[2];
			for (int j = succs(in, k, n, s); j-- > 0;)
				out |= prec[s[j]];
			uint16_t d = BIT(in->dst), sr = x ? BIT(in->src) : 0;
			switch (cls) {
			case MOAT_ALU:
			case MOAT_ALU64:
				if (op == MOAT_MOV)
					v = (uint16_t)(out & ~d) | ((out & d) ? sr : 0);
				else
					v = (out & d) ? (uint16_t)(out | sr) : out;
				break;
			case MOAT_JMP:
			case MOAT_JMP32:
				if (op == MOAT_EXIT) {
					v = in_sub[k] || main_r0_checked ? BIT(0) : 0;
				} else if (op == MOAT_CALL) {
					uint16_t use, def;
					moat_verify_insn_rw(in, vm, &use, &def);
					v = (uint16_t)(out & ~0x3f) | use | 0x3e;
				} else if (op == MOAT_JA) {
					v = out;
				} else {
					v = out | d | sr;
				}
				break;
			case MOAT_LD:
				/* LD_ABS/LD_IND define r0 (the kernel also clobbers
				 * r1-r5, which then are never read) */
				v = moat_is_lddw(in) ? (uint16_t)(out & ~d)
						     : (uint16_t)(out & ~BIT(0)) |
						       (MOAT_MODE(in->code) == MOAT_IND ? BIT(in->src) : 0);
				break;
			case MOAT_LDX:
				v = (uint16_t)(out & ~d) | BIT(in->src);
				break;
			case MOAT_ST:
				v = out | d;
				break;
			default: /* STX and atomics: address and value; cmpxchg reads r0 */
				v = out | d | BIT(in->src) | BIT(0);
				break;
			}
			v |= BIT(10);
			if (v != prec[k]) {
				prec[k] = v;
				changed = true;
			}
		}
	}
	free(in_sub);
	return prec;
}

long moat_verify_unreachable(const struct moat_prog *prog, const uint8_t *kind)
{
	size_t n;
	const struct moat_insn *insns = moat_prog_insns(prog, &n);
	uint8_t *seen = calloc(n + 1, 1);
	size_t *work = calloc(n + 1, sizeof(*work)), top = 0;
	long first = -2;
	if (!seen || !work)
		goto out;
	seen[0] = 1;
	work[top++] = 0;
	while (top > 0) {
		size_t i = work[--top], s[3];
		const struct moat_insn *in = &insns[i];
		int k = succs(in, i, n, s);
		if (in->code == (MOAT_JMP | MOAT_CALL) && in->src == MOAT_CALL_LOCAL)
			s[k++] = (size_t)((int64_t)i + 1 + in->imm);
		while (k-- > 0) {
			if (!seen[s[k]]) {
				seen[s[k]] = 1;
				work[top++] = s[k];
			}
		}
	}
	first = -1;
	for (size_t i = 0; i < n && first < 0; i++)
		if (!seen[i] && !(kind[i] & VK_LDDW_HI))
			first = (long)i;
out:
	free(seen);
	free(work);
	return first;
}
