/*
 * Classic BPF (include/moat/cbpf.h): the kernel's checks, tcpdump-style
 * disassembly, and translation to eBPF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/cbpf.h>
#include "engine/prog_internal.h"
#include "util/cleanup.h"
#include "util/vec.h"

/* Classic encoding: class in bits 0-2 as eBPF; RET and MISC replace JMP32/ALU64. */
enum { C_LD = 0, C_LDX = 1, C_ST = 2, C_STX = 3, C_ALU = 4, C_JMP = 5, C_RET = 6, C_MISC = 7 };
enum { C_LEN = 0x80, C_MSH = 0xa0 };
enum { C_RET_K = 0x00, C_RET_X = 0x08, C_RET_A = 0x10 };
enum { C_TAX = 0x00, C_TXA = 0x80 };
#define C_MEMWORDS 16
#define SECCOMP_DATA_SIZE 64

static int check_insn(const struct moat_cbpf_insn *in, size_t i, size_t n, bool seccomp,
		      struct moat_error *err)
{
	uint16_t c = in->code;
	unsigned cls = c & 7, size = c & 0x18, mode = c & 0xe0, op = c & 0xf0;
	switch (cls) {
	case C_LD:
		if (mode == MOAT_IMM || mode == MOAT_MEM || mode == C_LEN) {
			if (size != MOAT_W)
				break;
			if (mode == MOAT_MEM && in->k >= C_MEMWORDS)
				return moat_error_insn(err, EINVAL, (long)i, "scratch memory index %u is not below 16", in->k);
			return 0;
		}
		if ((mode == MOAT_ABS || mode == MOAT_IND) && size != MOAT_DW) {
			if (seccomp && (mode != MOAT_ABS || size != MOAT_W))
				return moat_error_insn(err, EINVAL, (long)i, "seccomp filters may only load 32-bit words of seccomp_data at fixed offsets");
			if (seccomp && (in->k & 3 || in->k >= SECCOMP_DATA_SIZE))
				return moat_error_insn(err, EINVAL, (long)i, "seccomp load at offset %u is not an aligned word of seccomp_data (64 bytes)", in->k);
			return 0;
		}
		break;
	case C_LDX:
		if ((mode == MOAT_IMM || mode == MOAT_MEM || mode == C_LEN) && size == MOAT_W) {
			if (mode == MOAT_MEM && in->k >= C_MEMWORDS)
				return moat_error_insn(err, EINVAL, (long)i, "scratch memory index %u is not below 16", in->k);
			return 0;
		}
		if (mode == C_MSH && size == MOAT_B && !seccomp)
			return 0;
		break;
	case C_ST:
	case C_STX:
		if (c != cls)
			break;
		if (in->k >= C_MEMWORDS)
			return moat_error_insn(err, EINVAL, (long)i, "scratch memory index %u is not below 16", in->k);
		return 0;
	case C_ALU:
		if (op > MOAT_XOR || (op == MOAT_NEG && (c & 8)))
			break;
		if (!(c & 8) && (op == MOAT_DIV || op == MOAT_MOD) && in->k == 0)
			return moat_error_insn(err, EINVAL, (long)i, "division by constant zero");
		if (!(c & 8) && (op == MOAT_LSH || op == MOAT_RSH) && in->k >= 32)
			return moat_error_insn(err, EINVAL, (long)i, "shift by %u is not below 32", in->k);
		return 0;
	case C_JMP:
		if (op == MOAT_JA) {
			if (c & 8)
				break;
			if (in->k >= n - i - 1)
				return moat_error_insn(err, EINVAL, (long)i, "jump target %zu+1+%u is past the end", i, in->k);
			return 0;
		}
		if (op > MOAT_JSET)
			break;
		if ((size_t)in->jt >= n - i - 1 || (size_t)in->jf >= n - i - 1)
			return moat_error_insn(err, EINVAL, (long)i, "jump target (jt %u, jf %u) is past the end", in->jt, in->jf);
		return 0;
	case C_RET:
		if (c == (C_RET | C_RET_K) || c == (C_RET | C_RET_A) || c == (C_RET | C_RET_X))
			return 0;
		break;
	case C_MISC:
		if (c == (C_MISC | C_TAX) || c == (C_MISC | C_TXA))
			return 0;
		break;
	default:
		break;
	}
	return moat_error_insn(err, EINVAL, (long)i, "unknown classic BPF opcode 0x%02x", c);
}

/*
 * Scratch memory must be written before it is read on every path, as the
 * kernel's check_load_and_stores() demands.  Jumps only go forward, so one
 * pass suffices: the set of initialised slots at an instruction is the
 * intersection of the sets flowing into it.
 */
static int check_scratch(const struct moat_cbpf_insn *insns, size_t n, struct moat_error *err)
{
	MOAT_AUTO(free) uint16_t *valid = malloc(n * sizeof(*valid));
	if (!valid)
		return moat_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		valid[i] = 0xffff;
	valid[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct moat_cbpf_insn *in = &insns[i];
		uint16_t v = valid[i];
		unsigned cls = in->code & 7, mode = in->code & 0xe0;
		if ((cls == C_LD || cls == C_LDX) && mode == MOAT_MEM && !(v & (1u << in->k)))
			return moat_error_insn(err, EINVAL, (long)i, "reads scratch memory M[%u] before any store to it", in->k);
		if (cls == C_ST || cls == C_STX)
			v |= (uint16_t)(1u << in->k);
		if (cls == C_JMP) {
			if ((in->code & 0xf0) == MOAT_JA) {
				valid[i + 1 + in->k] &= v;
			} else {
				valid[i + 1 + in->jt] &= v;
				valid[i + 1 + in->jf] &= v;
			}
		} else if (cls != C_RET && i + 1 < n) {
			valid[i + 1] &= v;
		}
	}
	return 0;
}

int moat_cbpf_check(const struct moat_cbpf_insn *insns, size_t n, bool seccomp,
		    struct moat_error *err)
{
	if (n == 0 || n > MOAT_CBPF_MAXINSNS)
		return moat_error_set(err, EINVAL, "a classic program has 1 to %d instructions, not %zu",
				      MOAT_CBPF_MAXINSNS, n);
	for (size_t i = 0; i < n; i++) {
		int r = check_insn(&insns[i], i, n, seccomp, err);
		if (r)
			return r;
	}
	if ((insns[n - 1].code & 7) != C_RET)
		return moat_error_insn(err, EINVAL, (long)(n - 1), "the last instruction must be a return");
	return check_scratch(insns, n, err);
}

/*
 * Translation.  Register plan: A = r0 (every result 32-bit, so r0 is
 * always zero-extended), X = r7, r6 = context (LD_ABS/LD_IND read through
 * it), r8 = buffer length for MOAT_PROG_MEM, r9 = scratch, M[i] at
 * r10 - 64 + 4*i.  Jumps are 32-bit compares so k >= 2^31 compares as the
 * unsigned value classic BPF means.  Two passes: the first sizes each
 * instruction's translation so the second can resolve jump offsets.
 */
#define A MOAT_R0
#define X MOAT_R7
#define CTX MOAT_R6
#define LEN MOAT_R8
#define TMP MOAT_R9
#define MEMOFF(k) ((int16_t)(-64 + 4 * (int)(k)))

struct xlat {
	VEC(struct moat_insn) out;
	const size_t *start; /* eBPF index of each classic instruction (pass 2) */
	enum moat_prog_type type;
};

static void emit(struct xlat *x, struct moat_insn in)
{
	if (vec_push(&x->out, in) < 0)
		x->out.n = (size_t)-1 / 2; /* poisoned; caught after the pass */
}

#define E(c, d, s, o, i) emit(x, MOAT_INSN((c), (d), (s), (o), (i)))

static void emit_jump(struct xlat *x, size_t i, const struct moat_cbpf_insn *in)
{
	/* Offsets are known only in pass 2; in pass 1 start is NULL. */
	size_t here = x->out.n;
	long t = x->start ? (long)x->start[i + 1 + in->jt] : 0;
	long f = x->start ? (long)x->start[i + 1 + in->jf] : 0;
	uint8_t op = (uint8_t)(in->code & 0xf0), srcbit = (uint8_t)(in->code & 8);
	uint8_t code = (uint8_t)(MOAT_JMP32 | op | srcbit);
	uint8_t sreg = srcbit ? X : 0;
	int32_t imm = srcbit ? 0 : (int32_t)in->k;
	if (in->jt == in->jf) {
		E(MOAT_JMP | MOAT_JA, 0, 0, (int16_t)(t - (long)here - 1), 0);
	} else if (in->jf == 0) {
		E(code, A, sreg, (int16_t)(t - (long)here - 1), imm);
	} else {
		E(code, A, sreg, (int16_t)(t - (long)here - 1), imm);
		E(MOAT_JMP | MOAT_JA, 0, 0, (int16_t)(f - (long)here - 2), 0);
	}
}

static void emit_load(struct xlat *x, const struct moat_cbpf_insn *in, uint8_t dst)
{
	unsigned mode = in->code & 0xe0, size = in->code & 0x18;
	switch (mode) {
	case MOAT_IMM:
		E(MOAT_ALU | MOAT_MOV | MOAT_K, dst, 0, 0, (int32_t)in->k);
		break;
	case MOAT_MEM:
		E(MOAT_LDX | MOAT_MEM | MOAT_W, dst, MOAT_R10, MEMOFF(in->k), 0);
		break;
	case C_LEN:
		if (x->type == MOAT_PROG_SECCOMP)
			E(MOAT_ALU | MOAT_MOV | MOAT_K, dst, 0, 0, SECCOMP_DATA_SIZE);
		else if (x->type == MOAT_PROG_MEM)
			E(MOAT_ALU | MOAT_MOV | MOAT_X, dst, LEN, 0, 0);
		else /* struct __sk_buff: len is the first field */
			E(MOAT_LDX | MOAT_MEM | MOAT_W, dst, CTX, 0, 0);
		break;
	case MOAT_ABS:
		if (x->type == MOAT_PROG_SECCOMP)
			E(MOAT_LDX | MOAT_MEM | MOAT_W, A, CTX, (int16_t)in->k, 0);
		else
			E(MOAT_LD | MOAT_ABS | size, 0, 0, 0, (int32_t)in->k);
		break;
	case MOAT_IND:
		E(MOAT_LD | MOAT_IND | size, 0, X, 0, (int32_t)in->k);
		break;
	case C_MSH: /* X = 4 * (P[k] & 0xf); A survives in TMP */
		E(MOAT_ALU64 | MOAT_MOV | MOAT_X, TMP, A, 0, 0);
		E(MOAT_LD | MOAT_ABS | MOAT_B, 0, 0, 0, (int32_t)in->k);
		E(MOAT_ALU | MOAT_AND | MOAT_K, A, 0, 0, 0xf);
		E(MOAT_ALU | MOAT_LSH | MOAT_K, A, 0, 0, 2);
		E(MOAT_ALU | MOAT_MOV | MOAT_X, X, A, 0, 0);
		E(MOAT_ALU64 | MOAT_MOV | MOAT_X, A, TMP, 0, 0);
		break;
	default:
		break;
	}
}

static void emit_alu(struct xlat *x, const struct moat_cbpf_insn *in)
{
	unsigned op = in->code & 0xf0;
	if (in->code & 8) {
		/* Classic BPF returns 0 from the program on division by X == 0. */
		if (op == MOAT_DIV || op == MOAT_MOD) {
			E(MOAT_JMP | MOAT_JNE | MOAT_K, X, 0, 2, 0);
			E(MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, 0);
			E(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0);
		}
		E(MOAT_ALU | op | MOAT_X, A, X, 0, 0);
	} else {
		E(MOAT_ALU | op | MOAT_K, A, 0, 0, op == MOAT_NEG ? 0 : (int32_t)in->k);
	}
}

static void translate_one(struct xlat *x, size_t i, const struct moat_cbpf_insn *in)
{
	switch (in->code & 7) {
	case C_LD: emit_load(x, in, A); break;
	case C_LDX: emit_load(x, in, X); break;
	case C_ST: E(MOAT_STX | MOAT_MEM | MOAT_W, MOAT_R10, A, MEMOFF(in->k), 0); break;
	case C_STX: E(MOAT_STX | MOAT_MEM | MOAT_W, MOAT_R10, X, MEMOFF(in->k), 0); break;
	case C_ALU: emit_alu(x, in); break;
	case C_JMP:
		if ((in->code & 0xf0) == MOAT_JA) {
			long t = x->start ? (long)x->start[i + 1 + in->k] : 0;
			E(MOAT_JMP | MOAT_JA, 0, 0, (int16_t)(t - (long)x->out.n - 1), 0);
		} else {
			emit_jump(x, i, in);
		}
		break;
	case C_RET:
		if ((in->code & 0x18) == C_RET_K)
			E(MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, (int32_t)in->k);
		else if ((in->code & 0x18) == C_RET_X)
			E(MOAT_ALU | MOAT_MOV | MOAT_X, A, X, 0, 0);
		E(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0);
		break;
	case C_MISC:
		if ((in->code & 0xf8) == C_TAX)
			E(MOAT_ALU | MOAT_MOV | MOAT_X, X, A, 0, 0);
		else
			E(MOAT_ALU | MOAT_MOV | MOAT_X, A, X, 0, 0);
		break;
	default:
		break;
	}
}

static void translate(struct xlat *x, const struct moat_cbpf_insn *insns, size_t n, size_t *start)
{
	x->out.n = 0;
	E(MOAT_ALU64 | MOAT_MOV | MOAT_X, CTX, MOAT_R1, 0, 0);
	if (x->type == MOAT_PROG_MEM)
		E(MOAT_ALU64 | MOAT_MOV | MOAT_X, LEN, MOAT_R2, 0, 0);
	E(MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, 0);
	E(MOAT_ALU | MOAT_MOV | MOAT_K, X, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		if (start)
			start[i] = x->out.n;
		translate_one(x, i, &insns[i]);
	}
}

struct moat_prog *moat_cbpf_to_ebpf(const struct moat_cbpf_insn *insns, size_t n,
				    enum moat_prog_type type, struct moat_error *err)
{
	if (moat_cbpf_check(insns, n, type == MOAT_PROG_SECCOMP, err))
		return NULL;
	MOAT_AUTO(free) size_t *start = malloc((n + 1) * sizeof(*start));
	struct xlat x = { .type = type };
	if (!start) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	translate(&x, insns, n, start); /* pass 1: sizes */
	start[n] = x.out.n;
	x.start = start;
	translate(&x, insns, n, NULL); /* pass 2: same sizes, real offsets */
	struct moat_prog *p = NULL;
	if (x.out.n > MOAT_CBPF_MAXINSNS * 8)
		moat_error_set(err, ENOMEM, "out of memory translating classic BPF");
	else if ((p = moat_prog_new(type, x.out.v, x.out.n, err)))
		p->from_cbpf = true;
	vec_release(&x.out);
	return p;
}

/* tcpdump -d style, as libpcap's bpf_image() prints it. */
int moat_cbpf_disasm_insn(const struct moat_cbpf_insn *insns, size_t n, size_t i, char *buf,
			  size_t buflen)
{
	static const char *const alu[16] = { "add", "sub", "mul", "div", "or", "and", "lsh",
					     "rsh", "neg", "mod", "xor" };
	static const char *const jmp[5] = { "ja", "jeq", "jgt", "jge", "jset" };
	static const char *const ldsz[4] = { "ld", "ldh", "ldb", NULL };
	if (i >= n)
		return -EINVAL;
	const struct moat_cbpf_insn *in = &insns[i];
	unsigned c = in->code, sz = (c & 0x18) >> 3, mode = c & 0xe0, op = (c & 0xf0) >> 4;
	char opnd[64] = "";
	const char *name = NULL;
	switch (c & 7) {
	case C_LD:
	case C_LDX: {
		bool ldx = (c & 7) == C_LDX;
		name = ldx ? (mode == C_MSH ? "ldxb" : "ldx") : ldsz[sz];
		if (mode == MOAT_IMM) snprintf(opnd, sizeof(opnd), "#0x%x", in->k);
		else if (mode == MOAT_ABS) snprintf(opnd, sizeof(opnd), "[%u]", in->k);
		else if (mode == MOAT_IND) snprintf(opnd, sizeof(opnd), "[x + %u]", in->k);
		else if (mode == MOAT_MEM) snprintf(opnd, sizeof(opnd), "M[%u]", in->k);
		else if (mode == C_LEN) snprintf(opnd, sizeof(opnd), "#pktlen");
		else if (mode == C_MSH) snprintf(opnd, sizeof(opnd), "4*([%u]&0xf)", in->k);
		break;
	}
	case C_ST: name = "st"; snprintf(opnd, sizeof(opnd), "M[%u]", in->k); break;
	case C_STX: name = "stx"; snprintf(opnd, sizeof(opnd), "M[%u]", in->k); break;
	case C_ALU:
		name = alu[op];
		/* libpcap prints the bitwise operands in hex, the others in decimal */
		if (op != 8)
			snprintf(opnd, sizeof(opnd),
				 c & 8 ? "x" : op == 4 || op == 5 || op == 10 ? "#0x%x" : "#%u", in->k);
		break;
	case C_JMP:
		name = op < 5 ? jmp[op] : NULL;
		if (op == 0) {
			snprintf(buf, buflen, "(%03zu) %-8s %zu", i, "ja", i + 1 + in->k);
			return 1;
		}
		if (name) {
			snprintf(opnd, sizeof(opnd), c & 8 ? "x" : "#0x%x", in->k);
			snprintf(buf, buflen, "(%03zu) %-8s %-16s jt %zu\tjf %zu", i, name, opnd,
				 i + 1 + in->jt, i + 1 + in->jf);
			return 1;
		}
		break;
	case C_RET:
		name = "ret";
		if ((c & 0x18) == C_RET_K) snprintf(opnd, sizeof(opnd), "#%u", in->k);
		else if ((c & 0x18) == C_RET_X) snprintf(opnd, sizeof(opnd), "x");
		break;
	case C_MISC: name = (c & 0xf8) == C_TAX ? "tax" : "txa"; break;
	default: break;
	}
	if (!name) {
		snprintf(buf, buflen, "(%03zu) .word 0x%04x %u %u 0x%x", i, c, in->jt, in->jf, in->k);
		return -EINVAL;
	}
	if (opnd[0])
		snprintf(buf, buflen, "(%03zu) %-8s %s", i, name, opnd);
	else
		snprintf(buf, buflen, "(%03zu) %s", i, name);
	return 1;
}
