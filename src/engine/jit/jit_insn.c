/*
 * The JIT's instruction selection: one eBPF instruction becomes a short
 * x86-64 sequence with exactly the semantics of isa.def (and of the
 * interpreter's loop for calls, exits and legacy packet loads).
 *
 * Register mapping.  eBPF's calling convention was designed after the SysV
 * ABI, so the argument registers map onto it and helpers are called with
 * no shuffling:
 *
 *   r0 rax (return value)   r1 rdi  r2 rsi  r3 rdx  r4 rcx  r5 r8   (arguments)
 *   r6 rbx  r7 r13  r8 r14  r9 r15  (callee-saved)   r10 rbp (frame pointer)
 *   r9 (x86) the helpers' sixth argument, struct moat_call *; scratch otherwise
 *   r10, r11 scratch;  r12 the run (struct moat_call *, JIT fields below it)
 *
 * Instructions that need fixed registers (div/mod use rdx:rax, variable
 * shifts use cl, cmpxchg uses rax) save what they displace into the
 * scratch registers and restore it, so no eBPF register changes except the
 * destination.  Constant blinding (harden) never lets a program-chosen
 * 32- or 64-bit immediate appear in the code: it is loaded as
 * (imm ^ rnd) and xor'ed with rnd into r11 first.
 */
#include <errno.h>
#include <string.h>

#include "engine/isa.h"
#include "engine/jit/jit_internal.h"
#include "engine/map_internal.h"

const uint8_t jit_reg[MOAT_NREGS] = {
	X_RAX, X_RDI, X_RSI, X_RDX, X_RCX, X_R8, X_RBX, X_R13, X_R14, X_R15, X_RBP,
};

enum { RUN = X_R12, AUX = X_R9, TMP2 = X_R10, TMP = X_R11 };

uint32_t jit_rand(struct jit *j)
{
	/* xorshift64*: reseeded at every pass so all passes blind alike */
	uint64_t x = j->rnd;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	j->rnd = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* Where the current write position was in the previous pass. */
static int64_t prev_pos(const struct jit *j)
{
	if (j->cur == SIZE_MAX || j->first)
		return (int64_t)j->b.len;
	return (int64_t)j->prev[j->cur] + (int64_t)(j->b.len - j->start[j->cur]);
}

/* A jump (cc < 0: unconditional) to code offset `to` of the previous pass. */
static void jump_to(struct jit *j, int cc, int64_t to, bool may_shorten)
{
	int64_t pos = prev_pos(j);
	if (may_shorten && !j->first && x86_is_s8(to - (pos + 2))) {
		if (cc < 0)
			x86_jmp8(&j->b, (int8_t)(to - (pos + 2)));
		else
			x86_jcc8(&j->b, (enum x86_cc)cc, (int8_t)(to - (pos + 2)));
		return;
	}
	int64_t rel = j->first ? 0 : to - (pos + (cc < 0 ? 5 : 6));
	if (cc < 0)
		x86_jmp32(&j->b, (int32_t)rel);
	else
		x86_jcc32(&j->b, (enum x86_cc)cc, (int32_t)rel);
}

void jit_jcc_insn(struct jit *j, int cc, size_t target)
{
	jump_to(j, cc, j->first ? 0 : j->prev[target], true);
}

void jit_jcc_label(struct jit *j, int cc, enum jit_label l)
{
	/* stubs are cold: always rel32, so their sizes never depend on layout */
	jump_to(j, cc, j->prev_lbl[l], false);
}

/* r11 = (int64_t)imm without imm appearing in the code (fixed size). */
static void blind_k(struct jit *j, int32_t imm)
{
	int32_t r = (int32_t)jit_rand(j);
	x86_byte(&j->b, 0x49); /* mov r11, simm32 : 49 C7 C3 id */
	x86_byte(&j->b, 0xc7);
	x86_byte(&j->b, 0xc3);
	x86_u32(&j->b, (uint32_t)(imm ^ r));
	x86_alu_ri32(&j->b, XA_XOR, true, TMP, r);
}

/* ----------------------------------------------------------------- ALU */

/* dst = dst / src or dst % src (unsigned, or signed for sdiv/smod), with
 * RFC 9669's answers for a zero divisor and for INT_MIN / -1. */
static void emit_divmod(struct jit *j, bool w, bool sign, bool mod, int d, int s)
{
	struct x86_buf *b = &j->b;
	size_t zero_jmp, neg_jmp = 0, done1, done2 = 0;
	x86_mov_rr(b, w, TMP, s);
	x86_test_rr(b, w, TMP, TMP);
	x86_jcc8(b, CC_NE, 0);
	zero_jmp = b->len - 1;
	if (!mod)
		x86_alu_rr(b, XA_XOR, false, d, d); /* x / 0 = 0 */
	else if (!w)
		x86_mov_rr(b, false, d, d);         /* x % 0 = x (32-bit: zero-extended) */
	x86_jmp8(b, 0);
	done1 = b->len - 1;
	x86_patch_rel8(b, zero_jmp);
	if (sign) {
		/* x / -1 = -x and x % -1 = 0, without idiv's INT_MIN / -1 trap */
		x86_alu_ri(b, XA_CMP, w, TMP, -1);
		x86_jcc8(b, CC_NE, 0);
		neg_jmp = b->len - 1;
		if (mod)
			x86_alu_rr(b, XA_XOR, false, d, d);
		else
			x86_neg(b, w, d);
		x86_jmp8(b, 0);
		done2 = b->len - 1;
		x86_patch_rel8(b, neg_jmp);
	}
	x86_mov_rr(b, true, AUX, X_RAX);
	x86_mov_rr(b, true, TMP2, X_RDX);
	if (d != X_RAX)
		x86_mov_rr(b, w, X_RAX, d);
	if (sign)
		x86_cqo(b, w);
	else
		x86_alu_rr(b, XA_XOR, false, X_RDX, X_RDX);
	x86_div(b, w, sign, TMP);
	x86_mov_rr(b, true, TMP, mod ? X_RDX : X_RAX); /* 32-bit results are zero-extended */
	x86_mov_rr(b, true, X_RAX, AUX);
	x86_mov_rr(b, true, X_RDX, TMP2);
	x86_mov_rr(b, true, d, TMP);
	x86_patch_rel8(b, done1);
	if (sign)
		x86_patch_rel8(b, done2);
}

/* Division by a constant: the special divisors are known now. */
static void emit_divmod_k(struct jit *j, bool w, bool sign, bool mod, int d, int32_t imm)
{
	struct x86_buf *b = &j->b;
	uint32_t low = (uint32_t)imm;
	bool zero = w ? imm == 0 : low == 0;
	if (zero) {
		if (!mod)
			x86_alu_rr(b, XA_XOR, false, d, d);
		else if (!w)
			x86_mov_rr(b, false, d, d);
		return;
	}
	if (sign && imm == -1) {
		if (mod)
			x86_alu_rr(b, XA_XOR, false, d, d);
		else
			x86_neg(b, w, d);
		return;
	}
	if (j->harden)
		blind_k(j, imm);
	else
		x86_mov_ri(b, true, TMP, imm);
	x86_mov_rr(b, true, AUX, X_RAX);
	x86_mov_rr(b, true, TMP2, X_RDX);
	if (d != X_RAX)
		x86_mov_rr(b, w, X_RAX, d);
	if (sign)
		x86_cqo(b, w);
	else
		x86_alu_rr(b, XA_XOR, false, X_RDX, X_RDX);
	x86_div(b, w, sign, TMP);
	x86_mov_rr(b, true, TMP, mod ? X_RDX : X_RAX);
	x86_mov_rr(b, true, X_RAX, AUX);
	x86_mov_rr(b, true, X_RDX, TMP2);
	x86_mov_rr(b, true, d, TMP);
}

/* dst <<= src, >>= src or s>>= src: the count goes through cl (r4's rcx),
 * x86 masks it to 5 or 6 bits exactly as eBPF does. */
static void emit_shift_x(struct jit *j, enum x86_shift op, bool w, int d, int s)
{
	struct x86_buf *b = &j->b;
	if (s == X_RCX) {
		x86_shift_cl(b, op, w, d);
	} else if (d == X_RCX) {
		x86_mov_rr(b, true, TMP, X_RCX);
		x86_mov_rr(b, true, X_RCX, s);
		x86_shift_cl(b, op, w, TMP);
		x86_mov_rr(b, true, X_RCX, TMP);
	} else {
		x86_mov_rr(b, true, TMP, X_RCX);
		x86_mov_rr(b, true, X_RCX, s);
		x86_shift_cl(b, op, w, d);
		x86_mov_rr(b, true, X_RCX, TMP);
	}
	/* A 32-bit shift writes its register, zero-extending it, even when the
	 * masked count is 0 (the unit test checks this on the host). */
}

/* The value of a movsx with a constant source (isa.def's expressions). */
static uint64_t movsx_const(bool w, int16_t off, int32_t imm)
{
	uint64_t S = (uint64_t)(int64_t)imm;
	switch (off) {
	case 8: return w ? (uint64_t)(int64_t)(int8_t)S : (uint32_t)(int32_t)(int8_t)S;
	case 16: return w ? (uint64_t)(int64_t)(int16_t)S : (uint32_t)(int32_t)(int16_t)S;
	default: return w ? (uint64_t)(int64_t)(int32_t)S : (uint32_t)S;
	}
}

static int emit_end(struct jit *j, const struct moat_insn *in, int d)
{
	struct x86_buf *b = &j->b;
	bool swap = MOAT_CLASS(in->code) == MOAT_ALU64 || MOAT_SRC(in->code) == MOAT_TO_BE;
	switch (in->imm) {
	case 16:
		if (swap)
			x86_rol16_8(b, d);
		x86_movzx_rr(b, XSZ_16, d, d);
		return 1;
	case 32:
		if (swap)
			x86_bswap(b, false, d);
		else
			x86_mov_rr(b, false, d, d);
		return 1;
	case 64:
		if (swap)
			x86_bswap(b, true, d);
		return 1;
	default:
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "byte swap of %d bits", in->imm);
	}
}

static int emit_alu(struct jit *j, const struct moat_insn *in)
{
	struct x86_buf *b = &j->b;
	bool w = MOAT_CLASS(in->code) == MOAT_ALU64, x = MOAT_SRC(in->code) == MOAT_X;
	unsigned op = MOAT_OP(in->code);
	int d = jit_reg[in->dst], s = jit_reg[in->src];
	int32_t imm = in->imm;
	bool shift = op == MOAT_LSH || op == MOAT_RSH || op == MOAT_ARSH;
	if (op == MOAT_END)
		return emit_end(j, in, d);
	if (in->off != 0 && !((op == MOAT_DIV || op == MOAT_MOD) && in->off == 1) &&
	    !(op == MOAT_MOV && (in->off == 8 || in->off == 16 || in->off == 32)))
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "invalid ALU offset %d",
				       in->off);
	if (op == MOAT_MOV && in->off && !x) { /* movsx of a constant */
		uint64_t v = movsx_const(w, in->off, imm);
		if (j->harden) {
			blind_k(j, (int32_t)v);
			x86_mov_rr(b, w, d, TMP);
		} else {
			x86_mov_ri(b, true, d, (int64_t)v);
		}
		return 1;
	}
	if (!x && j->harden && !shift && op != MOAT_NEG && op != MOAT_DIV && op != MOAT_MOD) {
		blind_k(j, imm); /* the K form becomes the X form with r11 */
		s = TMP;
		x = true;
	}
	switch (op) {
	case MOAT_ADD: case MOAT_SUB: case MOAT_OR: case MOAT_AND: case MOAT_XOR: {
		enum x86_alu a = op == MOAT_ADD ? XA_ADD : op == MOAT_SUB ? XA_SUB : op == MOAT_OR ? XA_OR
				 : op == MOAT_AND ? XA_AND : XA_XOR;
		if (x)
			x86_alu_rr(b, a, w, d, s);
		else
			x86_alu_ri(b, a, w, d, imm);
		return 1;
	}
	case MOAT_MUL:
		if (x)
			x86_imul_rr(b, w, d, s);
		else
			x86_imul_rri(b, w, d, d, imm);
		return 1;
	case MOAT_DIV:
	case MOAT_MOD:
		if (x)
			emit_divmod(j, w, in->off == 1, op == MOAT_MOD, d, s);
		else
			emit_divmod_k(j, w, in->off == 1, op == MOAT_MOD, d, imm);
		return 1;
	case MOAT_LSH: case MOAT_RSH: case MOAT_ARSH: {
		enum x86_shift sh = op == MOAT_LSH ? XS_SHL : op == MOAT_RSH ? XS_SHR : XS_SAR;
		if (x) {
			emit_shift_x(j, sh, w, d, s);
		} else {
			uint8_t k = (uint8_t)(imm & (w ? 63 : 31));
			if (k)
				x86_shift_ri(b, sh, w, d, k);
			else if (!w)
				x86_mov_rr(b, false, d, d);
		}
		return 1;
	}
	case MOAT_NEG:
		x86_neg(b, w, d);
		return 1;
	case MOAT_MOV:
		if (!x)
			x86_mov_ri(b, w, d, imm);
		else if (in->off == 0 || (in->off == 32 && !w))
			x86_mov_rr(b, w, d, s);
		else
			x86_movsx_rr(b, w, in->off == 8 ? XSZ_8 : in->off == 16 ? XSZ_16 : XSZ_32, d, s);
		return 1;
	default:
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "invalid ALU operation 0x%02x",
				       in->code);
	}
}

/* ----------------------------------------------------------------- jumps */

static int emit_jcond(struct jit *j, const struct moat_insn *in, size_t target)
{
	struct x86_buf *b = &j->b;
	bool w = MOAT_CLASS(in->code) == MOAT_JMP, x = MOAT_SRC(in->code) == MOAT_X;
	int d = jit_reg[in->dst], s = jit_reg[in->src];
	int cc;
	switch (MOAT_OP(in->code)) {
	case MOAT_JEQ: cc = CC_E; break;
	case MOAT_JNE: cc = CC_NE; break;
	case MOAT_JGT: cc = CC_A; break;
	case MOAT_JGE: cc = CC_AE; break;
	case MOAT_JLT: cc = CC_B; break;
	case MOAT_JLE: cc = CC_BE; break;
	case MOAT_JSGT: cc = CC_G; break;
	case MOAT_JSGE: cc = CC_GE; break;
	case MOAT_JSLT: cc = CC_L; break;
	case MOAT_JSLE: cc = CC_LE; break;
	case MOAT_JSET: cc = CC_NE; break;
	default:
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "invalid jump 0x%02x", in->code);
	}
	bool test = MOAT_OP(in->code) == MOAT_JSET;
	if (test && !x && in->imm == 0)
		return 1; /* jset with 0 never jumps */
	if (!x && j->harden && in->imm != 0) {
		blind_k(j, in->imm);
		s = TMP;
		x = true;
	}
	if (x)
		test ? x86_test_rr(b, w, d, s) : x86_alu_rr(b, XA_CMP, w, d, s);
	else if (in->imm == 0)
		x86_test_rr(b, w, d, d); /* the flags of cmp d, 0 */
	else
		test ? x86_test_ri(b, w, d, in->imm) : x86_alu_ri(b, XA_CMP, w, d, in->imm);
	jit_jcc_insn(j, cc, target);
	return 1;
}

/* ----------------------------------------------------------------- calls */

/* A registered helper, bound now: r1-r5 are already in the SysV argument
 * registers; the call is the sixth.  As the interpreter does, the call's
 * user pointer is set first, and after the tail-call helper a pending tail
 * call leaves the program (from any depth). */
static int emit_helper(struct jit *j, const struct moat_insn *in)
{
	struct x86_buf *b = &j->b;
	const struct moat_helper_entry *h = moat_vm_helper(j->e->vm, (uint32_t)in->imm);
	if (!h)
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "helper %u is not registered",
				       (uint32_t)in->imm);
	bool tail = h->proto.tail_call;
	if (tail)
		x86_store_r(b, XSZ_64, RUN, JR(r1), X_RDI);
	x86_mov_rr(b, true, AUX, RUN);
	if (h->user) {
		x86_movabs(b, TMP, (uintptr_t)h->user);
		x86_store_r(b, XSZ_64, RUN, JC(user), TMP);
	} else {
		x86_store_i(b, XSZ_64, RUN, JC(user), 0);
	}
	x86_movabs(b, X_RAX, (uintptr_t)h->fn);
	x86_call_r(b, X_RAX);
	if (tail) {
		x86_cmp_mi8(b, true, RUN, JC(tail_to), 0);
		jit_jcc_label(j, CC_NE, L_TAIL);
	}
	return 1;
}

/* callx: the helper id is a register's value, looked up at run time by
 * moat_jit_callx, which also reports an unknown id or a pending tail call. */
static int emit_callx(struct jit *j, const struct moat_insn *in)
{
	struct x86_buf *b = &j->b;
	unsigned reg = in->dst ? in->dst : (unsigned)in->imm;
	if (reg > MOAT_R10)
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "callx of r%u", reg);
	x86_store_r(b, XSZ_64, RUN, JR(callx_id), jit_reg[reg]);
	x86_store_i(b, XSZ_32, RUN, JR(err_insn), (int32_t)j->cur);
	x86_store_r(b, XSZ_64, RUN, JR(r1), X_RDI);
	x86_mov_rr(b, true, AUX, RUN);
	x86_movabs(b, X_RAX, (uintptr_t)moat_jit_callx);
	x86_call_r(b, X_RAX);
	x86_cmp_mi8(b, false, RUN, JR(status), 0);
	jit_jcc_label(j, CC_NE, L_UNWIND);
	return 1;
}

/* A local call: the callee gets its own 512-byte frame (its prologue);
 * the r6-r9 the program uses are saved around the call, so callees may use
 * them freely, and the depth is bounded as in the interpreter. */
static int emit_local_call(struct jit *j, size_t target)
{
	struct x86_buf *b = &j->b;
	bool pad = j->nsaved % 2;
	x86_cmp_mi8(b, false, RUN, JR(depth), MOAT_MAX_FRAMES - 1);
	x86_jcc8(b, CC_B, 0);
	size_t ok = b->len - 1;
	x86_store_i(b, XSZ_32, RUN, JR(err_insn), (int32_t)j->cur);
	jit_jcc_label(j, -1, L_DEPTH);
	x86_patch_rel8(b, ok);
	x86_add_mi8(b, RUN, JR(depth), 1);
	for (int k = 0; k < j->nsaved; k++)
		x86_push(b, j->saved[k]);
	if (pad)
		x86_alu_ri(b, XA_SUB, true, X_RSP, 8);
	int64_t pos = prev_pos(j);
	int64_t to = j->first ? 0 : (int64_t)j->prev[target] - JIT_PROLOGUE_SIZE;
	x86_call32(b, j->first ? 0 : (int32_t)(to - (pos + 5)));
	if (pad)
		x86_alu_ri(b, XA_ADD, true, X_RSP, 8);
	for (int k = j->nsaved; k-- > 0;)
		x86_pop(b, j->saved[k]);
	x86_add_mi8(b, RUN, JR(depth), -1);
	return 1;
}

static int emit_jmp(struct jit *j, const struct moat_insn *in)
{
	size_t i = j->cur;
	unsigned op = MOAT_OP(in->code);
	bool j32 = MOAT_CLASS(in->code) == MOAT_JMP32;
	int64_t t = (int64_t)i + 1 + (j32 && op == MOAT_JA ? in->imm : in->off);
	if (op == MOAT_EXIT) { /* r0 is in rax */
		if (j->main_inline && j->in_main) {
			jit_main_epilogue(j);
		} else {
			x86_leave(&j->b);
			x86_ret(&j->b);
		}
		return 1;
	}
	if (op == MOAT_CALL) {
		if (j32)
			return moat_error_insn(j->err, EINVAL, (long)i, "call in the JMP32 class");
		if (MOAT_SRC(in->code) == MOAT_X)
			return emit_callx(j, in);
		if (in->src == MOAT_CALL_HELPER)
			return emit_helper(j, in);
		t = (int64_t)i + 1 + in->imm;
		if (in->src != MOAT_CALL_LOCAL || t < 0 || (size_t)t >= j->n || !j->is_func[t])
			return moat_error_insn(j->err, EINVAL, (long)i, "unsupported call");
		return emit_local_call(j, (size_t)t);
	}
	if (t < 0 || (size_t)t > j->n)
		return moat_error_insn(j->err, EINVAL, (long)i, "jump outside the program");
	if (op == MOAT_JA) {
		if ((size_t)t != i + 1)
			jit_jcc_insn(j, -1, (size_t)t);
		return 1;
	}
	return emit_jcond(j, in, (size_t)t);
}

/* ----------------------------------------------------------------- memory */

static enum x86_size mem_size(uint8_t code)
{
	switch (MOAT_SIZE(code)) {
	case MOAT_B: return XSZ_8;
	case MOAT_H: return XSZ_16;
	case MOAT_W: return XSZ_32;
	default: return XSZ_64;
	}
}

/* An skb exec's packet load at offset TMP: the packet is the context's
 * [data, data_end), the context is in r6 (the verifier checked), so the
 * load needs nothing from the run.  rax is free: it receives the value. */
static void emit_ld_pkt_skb(struct jit *j, enum x86_size sz)
{
	struct x86_buf *b = &j->b;
	int ctx = jit_reg[MOAT_R6];
	x86_load(b, XSZ_64, X_RAX, ctx, (int32_t)offsetof(struct moat_skb_ctx, data));
	x86_lea(b, TMP2, TMP, (int32_t)sz); /* off + size, in 64 bits: no overflow */
	x86_alu_rr(b, XA_ADD, true, TMP2, X_RAX);
	x86_load(b, XSZ_64, AUX, ctx, (int32_t)offsetof(struct moat_skb_ctx, data_end));
	x86_alu_rr(b, XA_CMP, true, TMP2, AUX);
	jit_jcc_label(j, CC_A, L_PKT_OUT);
	x86_alu_rr(b, XA_ADD, true, X_RAX, TMP);
	x86_load(b, sz, X_RAX, X_RAX, 0);
}

/* Any other exec's packet load at offset TMP: the run's input. */
static void emit_ld_pkt_input(struct jit *j, enum x86_size sz)
{
	struct x86_buf *b = &j->b;
	/* off + size > ctx_len, in 64 bits (off is a u32: no overflow) */
	x86_lea(b, TMP2, TMP, (int32_t)sz);
	x86_byte(b, 0x4d); /* cmp r10, [r12 + disp8]: 4D 3B 54 24 d8 */
	x86_byte(b, 0x3b);
	x86_byte(b, 0x54);
	x86_byte(b, 0x24);
	x86_byte(b, (uint8_t)(int8_t)JR(ctx_len));
	jit_jcc_label(j, CC_A, L_PKT_OUT);
	x86_load(b, XSZ_64, TMP2, RUN, JR(ctx));
	x86_alu_rr(b, XA_ADD, true, TMP2, TMP);
	x86_load(b, sz, X_RAX, TMP2, 0);
}

/* Legacy packet loads: r0 = the big-endian value at packet offset
 * imm (abs) or (u32)src + imm (ind); outside the packet the program ends
 * with r0 = 0.  The packet is the skb context's for skb execs, else the
 * run's input, as in the interpreter. */
static int emit_ld_pkt(struct jit *j, const struct moat_insn *in)
{
	struct x86_buf *b = &j->b;
	enum x86_size sz = mem_size(in->code);
	bool ind = MOAT_MODE(in->code) == MOAT_IND;
	if (sz == XSZ_64 || (!ind && MOAT_MODE(in->code) != MOAT_ABS))
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "invalid packet load");
	if (j->harden) {
		blind_k(j, in->imm);
		if (ind)
			x86_alu_rr(b, XA_ADD, false, TMP, jit_reg[in->src]);
		else
			x86_mov_rr(b, false, TMP, TMP);
	} else if (ind) {
		x86_mov_rr(b, false, TMP, jit_reg[in->src]);
		if (in->imm)
			x86_alu_ri(b, XA_ADD, false, TMP, in->imm);
	} else {
		x86_mov_ri(b, false, TMP, in->imm);
	}
	if (j->e->vmctx == MOAT_VMCTX_SKB)
		emit_ld_pkt_skb(j, sz);
	else
		emit_ld_pkt_input(j, sz);
	if (sz == XSZ_16)
		x86_rol16_8(b, X_RAX);
	else if (sz == XSZ_32)
		x86_bswap(b, false, X_RAX);
	return 1;
}

/* or/and/xor with fetch: a cmpxchg loop (x86 has no fetch-or). */
static void emit_atomic_fetch_op(struct jit *j, enum x86_alu op, bool w, int d, int16_t off,
				 int s)
{
	struct x86_buf *b = &j->b;
	x86_lea(b, TMP2, d, off);
	x86_mov_rr(b, true, AUX, X_RAX);
	int sv = s == X_RAX ? AUX : s;
	x86_load(b, w ? XSZ_64 : XSZ_32, X_RAX, TMP2, 0);
	size_t loop = b->len;
	x86_mov_rr(b, w, TMP, X_RAX);
	x86_alu_rr(b, op, w, TMP, sv);
	x86_lock_cmpxchg(b, w, TMP2, 0, TMP);
	x86_jcc8(b, CC_NE, (int8_t)((int64_t)loop - (int64_t)(b->len + 2)));
	if (s != X_RAX) {
		x86_mov_rr(b, w, s, X_RAX);
		x86_mov_rr(b, true, X_RAX, AUX);
	}
}

static int emit_atomic(struct jit *j, const struct moat_insn *in)
{
	struct x86_buf *b = &j->b;
	enum x86_size sz = mem_size(in->code);
	bool w = sz == XSZ_64;
	int d = jit_reg[in->dst], s = jit_reg[in->src];
	if (sz != XSZ_32 && sz != XSZ_64)
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "atomic of this size");
	switch (in->imm) {
	case MOAT_ADD: x86_lock_alu_mr(b, XA_ADD, w, d, in->off, s); return 1;
	case MOAT_OR: x86_lock_alu_mr(b, XA_OR, w, d, in->off, s); return 1;
	case MOAT_AND: x86_lock_alu_mr(b, XA_AND, w, d, in->off, s); return 1;
	case MOAT_XOR: x86_lock_alu_mr(b, XA_XOR, w, d, in->off, s); return 1;
	case MOAT_ADD | MOAT_FETCH: x86_lock_xadd(b, w, d, in->off, s); return 1;
	case MOAT_OR | MOAT_FETCH: emit_atomic_fetch_op(j, XA_OR, w, d, in->off, s); return 1;
	case MOAT_AND | MOAT_FETCH: emit_atomic_fetch_op(j, XA_AND, w, d, in->off, s); return 1;
	case MOAT_XOR | MOAT_FETCH: emit_atomic_fetch_op(j, XA_XOR, w, d, in->off, s); return 1;
	case MOAT_XCHG: x86_xchg_mr(b, w, d, in->off, s); return 1;
	case MOAT_CMPXCHG:
		x86_lock_cmpxchg(b, w, d, in->off, s);
		if (!w) /* success leaves rax's upper half: r0 is the zero-extended old value */
			x86_mov_rr(b, false, X_RAX, X_RAX);
		return 1;
	default:
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "invalid atomic operation 0x%x",
				       (unsigned)in->imm);
	}
}

static int emit_mem(struct jit *j, const struct moat_insn *in)
{
	struct x86_buf *b = &j->b;
	enum x86_size sz = mem_size(in->code);
	unsigned mode = MOAT_MODE(in->code);
	int d = jit_reg[in->dst], s = jit_reg[in->src];
	switch (MOAT_CLASS(in->code)) {
	case MOAT_LDX:
		if (mode == MOAT_MEM)
			x86_load(b, sz, d, s, in->off);
		else if (mode == MOAT_MEMSX && sz != XSZ_64)
			x86_load_sx(b, sz, d, s, in->off);
		else
			break;
		return 1;
	case MOAT_ST:
		if (mode != MOAT_MEM)
			break;
		if (j->harden) {
			blind_k(j, in->imm);
			x86_store_r(b, sz, d, in->off, TMP);
		} else {
			x86_store_i(b, sz, d, in->off, in->imm);
		}
		return 1;
	case MOAT_STX:
		if (mode == MOAT_MEM) {
			x86_store_r(b, sz, d, in->off, s);
			return 1;
		}
		if (mode == MOAT_ATOMIC)
			return emit_atomic(j, in);
		break;
	case MOAT_LD:
		return emit_ld_pkt(j, in);
	default:
		break;
	}
	return moat_error_insn(j->err, EINVAL, (long)j->cur, "invalid memory instruction 0x%02x",
			       in->code);
}

/* The value an lddw loads: its immediate, or a map's address, or the
 * address of a byte in an array map's single value (as the interpreter
 * resolves them). */
static int lddw_value(struct jit *j, const struct moat_insn *in, uint64_t *v)
{
	*v = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
	if (in->src == 0)
		return 0;
	struct moat_map *m = moat_prog_map(j->e->prog, (uint32_t)in->imm);
	if (!m)
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "lddw refers to map %u",
				       (uint32_t)in->imm);
	if (in->src == MOAT_PSEUDO_MAP_FD) {
		*v = (uintptr_t)m;
		return 0;
	}
	uint32_t zero = 0;
	uint8_t *val = in->src == MOAT_PSEUDO_MAP_VALUE && moat_map_type(m) == MOAT_MAP_ARRAY
			       ? moat_map_elem_lookup(m, &zero)
			       : NULL;
	if (!val || (uint32_t)in[1].imm >= moat_map_value_size(m))
		return moat_error_insn(j->err, EINVAL, (long)j->cur,
				       "lddw with src %u is not supported here", in->src);
	*v = (uintptr_t)(val + (uint32_t)in[1].imm);
	return 0;
}

/* lddw: a 64-bit constant. */
static int emit_lddw(struct jit *j, const struct moat_insn *in)
{
	struct x86_buf *b = &j->b;
	int d = jit_reg[in->dst];
	uint64_t v;
	if (j->cur + 1 >= j->n)
		return moat_error_insn(j->err, EINVAL, (long)j->cur, "lddw is missing its second half");
	int r = lddw_value(j, in, &v);
	if (r < 0)
		return r;
	if (j->harden) {
		uint64_t rnd = (uint64_t)jit_rand(j) << 32 | jit_rand(j);
		x86_movabs(b, d, v ^ rnd);
		x86_movabs(b, TMP, rnd);
		x86_alu_rr(b, XA_XOR, true, d, TMP);
	} else {
		x86_mov_ri(b, true, d, (int64_t)v);
	}
	return 2;
}

int jit_emit_insn(struct jit *j, size_t i)
{
	const struct moat_insn *in = &j->in[i];
	if (in->dst > MOAT_R10 || in->src > MOAT_R10)
		return moat_error_insn(j->err, EINVAL, (long)i, "register out of range");
	switch (MOAT_CLASS(in->code)) {
	case MOAT_ALU:
	case MOAT_ALU64:
		return emit_alu(j, in);
	case MOAT_JMP:
	case MOAT_JMP32:
		return emit_jmp(j, in);
	case MOAT_LD:
		if (moat_is_lddw(in))
			return emit_lddw(j, in);
		return emit_mem(j, in);
	default:
		return emit_mem(j, in);
	}
}
