/*
 * The verifier's first pass: the program's structure.  Every instruction is
 * a valid RFC 9669 encoding (table-driven from isa.def) with its unused
 * fields zero; registers exist and r10 is never written; jumps and calls
 * land inside the program, inside their function and never in the middle
 * of an lddw; every function ends in exit or ja, so control cannot fall off
 * its end; helper calls name registered helpers; kfunc calls are refused.
 * A second pass (init_regs.c) then checks registers are written before
 * they are read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/verify.h>
#include <moat/vm.h>

#include "engine/exec_internal.h"
#include "engine/isa.h"
#include "engine/verifier/verifier_internal.h"

#define BAD(...) moat_error_insn(err, EINVAL, (long)i, __VA_ARGS__)

struct sctx {
	const struct moat_insn *in;
	size_t n;
	const struct moat_vm *vm;
	uint8_t *kind; /* per slot: VK_* bits */
};

static bool alu_op_known(unsigned op, int16_t off, bool is64, bool x)
{
	bool found = false;
#define ALU(n64, n32, aop, aoff, e64, e32)                            \
	if (op == (aop) && off == (aoff))                             \
		found = true;
#include "engine/isa.def"
	if (!found)
		return false;
	if (op == MOAT_MOV && off != 0) /* movsx: register form; 32-bit only from 8 and 16 bits */
		return x && (is64 || off != 32);
	return true;
}

static int check_alu(const struct moat_insn *in, size_t i, struct moat_error *err)
{
	bool is64 = MOAT_CLASS(in->code) == MOAT_ALU64, x = MOAT_SRC(in->code) == MOAT_X;
	unsigned op = MOAT_OP(in->code);
	if (op == MOAT_END) {
		if (is64 && x)
			return BAD("invalid opcode 0x%02x", in->code);
		if (in->src || in->off)
			return BAD("byte swap must have src and offset zero");
		if (in->imm != 16 && in->imm != 32 && in->imm != 64)
			return BAD("byte swap width must be 16, 32 or 64, not %d", in->imm);
		return 0;
	}
	if (op == MOAT_NEG) {
		if (x)
			return BAD("invalid opcode 0x%02x (neg has no register form)", in->code);
		if (in->src || in->off || in->imm)
			return BAD("neg must have src, offset and immediate zero");
		return 0;
	}
	if (!alu_op_known(op, in->off, is64, x)) {
		bool any = false;
#define ALU(n64, n32, aop, aoff, e64, e32) any |= op == (aop);
#include "engine/isa.def"
		if (any)
			return BAD("offset %d is not valid for this ALU operation", in->off);
		return BAD("invalid opcode 0x%02x", in->code);
	}
	if (x && in->imm)
		return BAD("register-source ALU instruction must have immediate zero");
	if (!x && in->src)
		return BAD("immediate ALU instruction must have src register zero");
	return 0;
}

static int check_target(const struct sctx *s, size_t i, int64_t t, struct moat_error *err)
{
	if (t < 0 || (uint64_t)t >= s->n)
		return BAD("jump target %lld is outside the program (0..%zu)", (long long)t,
			   s->n - 1);
	if (s->kind[t] & VK_LDDW_HI)
		return BAD("jump target %lld is the second half of an lddw", (long long)t);
	return 0;
}

static int check_call(const struct sctx *s, const struct moat_insn *in, size_t i,
		      struct moat_error *err)
{
	if (MOAT_SRC(in->code) == MOAT_X) {
		if (in->src || in->off || (in->dst && in->imm) || (!in->dst && (uint32_t)in->imm > 10))
			return BAD("callx takes one register and nothing else");
		unsigned r = in->dst ? in->dst : (unsigned)in->imm;
		if (r == MOAT_R10)
			return BAD("callx through r10 is not allowed");
		return 0;
	}
	if (in->dst || in->off)
		return BAD("call must have dst register and offset zero");
	switch (in->src) {
	case MOAT_CALL_HELPER:
		if (!moat_vm_helper_proto(s->vm, (uint32_t)in->imm))
			return BAD("call to unknown helper %u", (uint32_t)in->imm);
		return 0;
	case MOAT_CALL_LOCAL:
		return check_target(s, i, (int64_t)i + 1 + in->imm, err);
	case MOAT_CALL_KFUNC:
		return BAD("calls into the runtime (kfuncs) are not supported");
	default:
		return BAD("call with src %u is not valid", in->src);
	}
}

static int check_jmp(const struct sctx *s, const struct moat_insn *in, size_t i,
		     struct moat_error *err)
{
	bool j32 = MOAT_CLASS(in->code) == MOAT_JMP32, x = MOAT_SRC(in->code) == MOAT_X;
	unsigned op = MOAT_OP(in->code);
	switch (op) {
	case MOAT_JA:
		if (x || in->dst || in->src || (j32 ? in->off != 0 : in->imm != 0))
			return BAD("ja must have registers and %s zero", j32 ? "offset" : "immediate");
		return check_target(s, i, (int64_t)i + 1 + (j32 ? in->imm : in->off), err);
	case MOAT_EXIT:
		if (j32 || x)
			return BAD("invalid opcode 0x%02x", in->code);
		if (in->dst || in->src || in->off || in->imm)
			return BAD("exit must have every field zero");
		return 0;
	case MOAT_CALL:
		if (j32)
			return BAD("invalid opcode 0x%02x", in->code);
		return check_call(s, in, i, err);
	default:
		break;
	}
	bool found = false;
#define JCOND(name, jop, c64, c32) found |= op == (jop);
#include "engine/isa.def"
	if (!found)
		return BAD("invalid opcode 0x%02x", in->code);
	if (x && in->imm)
		return BAD("register-source jump must have immediate zero");
	if (!x && in->src)
		return BAD("immediate jump must have src register zero");
	return check_target(s, i, (int64_t)i + 1 + in->off, err);
}

static int check_atomic(const struct moat_insn *in, size_t i, struct moat_error *err)
{
	if (MOAT_SIZE(in->code) != MOAT_W && MOAT_SIZE(in->code) != MOAT_DW)
		return BAD("atomic operations are 32 or 64 bits wide");
	switch (in->imm) {
	case MOAT_ADD: case MOAT_OR: case MOAT_AND: case MOAT_XOR:
	case MOAT_ADD | MOAT_FETCH: case MOAT_OR | MOAT_FETCH:
	case MOAT_AND | MOAT_FETCH: case MOAT_XOR | MOAT_FETCH:
	case MOAT_XCHG: case MOAT_CMPXCHG:
		return 0;
	default:
		return BAD("invalid atomic operation 0x%x", (unsigned)in->imm);
	}
}

static int check_lddw(const struct sctx *s, const struct moat_insn *in, size_t i,
		      struct moat_error *err)
{
	if (i + 1 >= s->n)
		return BAD("lddw is missing its second half");
	const struct moat_insn *h = &in[1];
	if (h->code || h->dst || h->src || h->off)
		return BAD("the second half of lddw must be zero except its immediate");
	if (in->off)
		return BAD("lddw must have offset zero");
	if (in->src > MOAT_PSEUDO_MAP_VALUE)
		return BAD("lddw with src %u is not supported", in->src);
	if (in->src == MOAT_PSEUDO_MAP_FD && h->imm)
		return BAD("map reference must have a zero second immediate");
	return 0;
}

static int check_mem(const struct sctx *s, const struct moat_insn *in, size_t i,
		     struct moat_error *err)
{
	unsigned mode = MOAT_MODE(in->code), size = MOAT_SIZE(in->code);
	switch (MOAT_CLASS(in->code)) {
	case MOAT_LD:
		if (moat_is_lddw(in))
			return check_lddw(s, in, i, err);
		if ((mode != MOAT_ABS && mode != MOAT_IND) || size == MOAT_DW)
			return BAD("invalid opcode 0x%02x", in->code);
		if (in->dst || in->off || (mode == MOAT_ABS && in->src))
			return BAD("legacy packet load must have unused fields zero");
		return 0;
	case MOAT_LDX:
		if (mode != MOAT_MEM && !(mode == MOAT_MEMSX && size != MOAT_DW))
			return BAD("invalid opcode 0x%02x", in->code);
		if (in->imm)
			return BAD("load must have immediate zero");
		return 0;
	case MOAT_ST:
		if (mode != MOAT_MEM)
			return BAD("invalid opcode 0x%02x", in->code);
		if (in->src)
			return BAD("store of an immediate must have src register zero");
		return 0;
	default:
		if (mode == MOAT_ATOMIC)
			return check_atomic(in, i, err);
		if (mode != MOAT_MEM)
			return BAD("invalid opcode 0x%02x", in->code);
		if (in->imm)
			return BAD("store of a register must have immediate zero");
		return 0;
	}
}

/* True when the instruction writes its dst register. */
static bool writes_dst(const struct moat_insn *in)
{
	switch (MOAT_CLASS(in->code)) {
	case MOAT_ALU:
	case MOAT_ALU64:
	case MOAT_LDX:
		return true;
	case MOAT_LD:
		return moat_is_lddw(in);
	default:
		return false;
	}
}

static int check_insn(const struct sctx *s, size_t i, struct moat_error *err)
{
	const struct moat_insn *in = &s->in[i];
	if (in->dst > MOAT_R10 || in->src > MOAT_R10)
		if (!(moat_is_lddw(in) && in->dst <= MOAT_R10))
			return BAD("register r%u does not exist",
				   in->dst > MOAT_R10 ? in->dst : in->src);
	if (writes_dst(in) && in->dst == MOAT_R10)
		return BAD("r10 (the frame pointer) is read-only");
	switch (MOAT_CLASS(in->code)) {
	case MOAT_ALU:
	case MOAT_ALU64:
		return check_alu(in, i, err);
	case MOAT_JMP:
	case MOAT_JMP32:
		return check_jmp(s, in, i, err);
	default:
		return check_mem(s, in, i, err);
	}
}

/* Function starts are instruction 0 and every local-call target; each
 * function must end in exit or ja, and jumps may not leave it. */
static int check_functions(struct sctx *s, uint32_t *funcs, struct moat_error *err)
{
	s->kind[0] |= VK_FUNC_START;
	for (size_t i = 0; i < s->n; i++)
		if (s->in[i].code == (MOAT_JMP | MOAT_CALL) && s->in[i].src == MOAT_CALL_LOCAL)
			s->kind[(int64_t)i + 1 + s->in[i].imm] |= VK_FUNC_START;
	uint32_t nf = 0;
	size_t start = 0, end = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->kind[i] & VK_FUNC_START) {
			nf++;
			start = i;
			end = i + 1;
			while (end < s->n && !(s->kind[end] & VK_FUNC_START))
				end++;
		}
		const struct moat_insn *in = &s->in[i];
		unsigned cls = MOAT_CLASS(in->code), op = MOAT_OP(in->code);
		bool jmp = (cls == MOAT_JMP || cls == MOAT_JMP32) && op != MOAT_CALL && op != MOAT_EXIT;
		if (jmp) {
			int64_t t = (int64_t)i + 1 +
				    (cls == MOAT_JMP32 && op == MOAT_JA ? in->imm : in->off);
			if (t < (int64_t)start || t >= (int64_t)end)
				return BAD("jump target %lld leaves the function starting at %zu",
					   (long long)t, start);
		}
		size_t last = moat_is_lddw(in) ? i + 1 : i;
		if (last + 1 == end && !(cls == MOAT_JMP && (op == MOAT_EXIT || op == MOAT_JA)) &&
		    !(cls == MOAT_JMP32 && op == MOAT_JA))
			return moat_error_insn(err, EINVAL, (long)last,
					       "control falls off the end of the %s",
					       start ? "function" : "program");
		if (moat_is_lddw(in))
			i++;
	}
	*funcs = nf;
	return 0;
}

int moat_verify_structure(const struct moat_prog *prog, const struct moat_vm *vm, uint8_t *kind,
			  uint32_t *funcs, struct moat_error *err)
{
	size_t n;
	struct sctx s = { .in = moat_prog_insns(prog, &n), .vm = vm, .kind = kind };
	s.n = n;
	int r = 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (moat_is_lddw(&s.in[i]))
			s.kind[++i] = VK_LDDW_HI;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!(s.kind[i] & VK_LDDW_HI))
			r = check_insn(&s, i, err);
	if (r == 0)
		r = check_functions(&s, funcs, err);
	/* jump targets: where paths meet, so where the analysis stores states */
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct moat_insn *in = &s.in[i];
		unsigned cls = MOAT_CLASS(in->code), op = MOAT_OP(in->code);
		if (s.kind[i] & VK_LDDW_HI || (cls != MOAT_JMP && cls != MOAT_JMP32) ||
		    op == MOAT_CALL || op == MOAT_EXIT)
			continue;
		int64_t t = (int64_t)i + 1 + (cls == MOAT_JMP32 && op == MOAT_JA ? in->imm : in->off);
		s.kind[t] |= VK_JUMP_TARGET;
	}
	return r;
}
