/*
 * A small x86-64 instruction encoder for the JIT.  Each emitter appends one
 * instruction to a growable byte buffer; the comment above it shows the
 * encoding.  Registers are the hardware numbers (rax = 0 ... r15 = 15).
 *
 * Memory operands are [base + disp32]; the encoder picks the shortest form
 * (no displacement, disp8, disp32) and adds the SIB byte rsp and r12 need
 * as a base.  A buffer that failed to grow records oom and ignores further
 * bytes, so callers check once at the end.
 */
#ifndef MOAT_ENGINE_JIT_X86_EMIT_H
#define MOAT_ENGINE_JIT_X86_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x86_reg {
	X_RAX, X_RCX, X_RDX, X_RBX, X_RSP, X_RBP, X_RSI, X_RDI,
	X_R8, X_R9, X_R10, X_R11, X_R12, X_R13, X_R14, X_R15,
};

/* Condition codes (the low nibble of Jcc / SETcc). */
enum x86_cc {
	CC_O = 0x0, CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6, CC_A = 0x7,
	CC_S = 0x8, CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* Two-operand ALU group: opcode of "op r/m, reg" and the /digit of "op r/m, imm". */
enum x86_alu {
	XA_ADD = 0, XA_OR = 1, XA_AND = 4, XA_SUB = 5, XA_XOR = 6, XA_CMP = 7,
};

/* Shift group /digit. */
enum x86_shift { XS_ROL = 0, XS_SHL = 4, XS_SHR = 5, XS_SAR = 7 };

struct x86_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

/* Operand sizes for loads and stores. */
enum x86_size { XSZ_8 = 1, XSZ_16 = 2, XSZ_32 = 4, XSZ_64 = 8 };

void x86_byte(struct x86_buf *b, uint8_t v);
void x86_u32(struct x86_buf *b, uint32_t v);
void x86_u64(struct x86_buf *b, uint64_t v);
/* Overwrites the rel8 at position pos so that it jumps to the current end. */
void x86_patch_rel8(struct x86_buf *b, size_t pos);

static inline bool x86_is_s8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool x86_is_s32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* op dst, src (64- or 32-bit): REX 01/09/21/29/31/39 /r */
void x86_alu_rr(struct x86_buf *b, enum x86_alu op, bool w, int dst, int src);
/* op dst, imm (sign-extended): REX 83 /op ib, or 81 /op id */
void x86_alu_ri(struct x86_buf *b, enum x86_alu op, bool w, int dst, int32_t imm);
/* op dst, imm32 always (fixed size, for blinded constants): REX 81 /op id */
void x86_alu_ri32(struct x86_buf *b, enum x86_alu op, bool w, int dst, int32_t imm);
/* mov dst, src: REX 89 /r */
void x86_mov_rr(struct x86_buf *b, bool w, int dst, int src);
/* dst = imm (64-bit: zero- or sign-extended, or movabs; 32-bit: zero-extended) */
void x86_mov_ri(struct x86_buf *b, bool w, int dst, int64_t imm);
/* movabs dst, imm64 (always 10 bytes): REX.W B8+r io */
void x86_movabs(struct x86_buf *b, int dst, uint64_t imm);
/* mov dst32, imm32 (always 5-6 bytes): B8+r id */
void x86_mov_ri32(struct x86_buf *b, int dst, uint32_t imm);
/* test a, b: REX 85 /r */
void x86_test_rr(struct x86_buf *b, bool w, int a, int r);
/* test a, imm32: REX F7 /0 id */
void x86_test_ri(struct x86_buf *b, bool w, int a, int32_t imm);
/* imul dst, src: REX 0F AF /r */
void x86_imul_rr(struct x86_buf *b, bool w, int dst, int src);
/* imul dst, src, imm: REX 6B /r ib, or 69 /r id */
void x86_imul_rri(struct x86_buf *b, bool w, int dst, int src, int32_t imm);
/* neg dst: REX F7 /3 */
void x86_neg(struct x86_buf *b, bool w, int dst);
/* div/idiv src (rdx:rax / src): REX F7 /6, /7 */
void x86_div(struct x86_buf *b, bool w, bool sign, int src);
/* cqo (48 99) or cdq (99): sign-extend rax into rdx */
void x86_cqo(struct x86_buf *b, bool w);
/* shift dst by cl: REX D3 /op */
void x86_shift_cl(struct x86_buf *b, enum x86_shift op, bool w, int dst);
/* shift dst by imm: REX C1 /op ib (D1 for 1) */
void x86_shift_ri(struct x86_buf *b, enum x86_shift op, bool w, int dst, uint8_t imm);
/* rol dst16, 8: 66 REX C1 /0 08 (swap the two low bytes) */
void x86_rol16_8(struct x86_buf *b, int dst);
/* bswap dst: REX 0F C8+r */
void x86_bswap(struct x86_buf *b, bool w, int dst);
/* movzx dst32, src8/src16: REX 0F B6/B7 /r */
void x86_movzx_rr(struct x86_buf *b, enum x86_size sz, int dst, int src);
/* movsx dst, src8/src16/src32: REX 0F BE/BF /r, REX.W 63 /r */
void x86_movsx_rr(struct x86_buf *b, bool w, enum x86_size sz, int dst, int src);

/* dst = [base + disp] of size sz, zero-extended: movzx / mov */
void x86_load(struct x86_buf *b, enum x86_size sz, int dst, int base, int32_t disp);
/* dst = [base + disp] of size sz, sign-extended to 64 bits: movsx / movsxd */
void x86_load_sx(struct x86_buf *b, enum x86_size sz, int dst, int base, int32_t disp);
/* [base + disp] = src of size sz: (66) REX 88/89 /r */
void x86_store_r(struct x86_buf *b, enum x86_size sz, int base, int32_t disp, int src);
/* [base + disp] = imm of size sz: (66) REX C6/C7 /0 imm (64-bit: sign-extended imm32) */
void x86_store_i(struct x86_buf *b, enum x86_size sz, int base, int32_t disp, int32_t imm);
/* lea dst, [base + disp]: REX.W 8D /r */
void x86_lea(struct x86_buf *b, int dst, int base, int32_t disp);
/* cmp qword/dword [base + disp], imm8: REX 83 /7 ib */
void x86_cmp_mi8(struct x86_buf *b, bool w, int base, int32_t disp, int8_t imm);
/* add dword [base + disp], imm8: 83 /0 ib (inc/dec of a counter) */
void x86_add_mi8(struct x86_buf *b, int base, int32_t disp, int8_t imm);

/* Atomics on [base + disp]; 32- or 64-bit. */
/* lock op [m], src: F0 REX 01/09/21/31 /r */
void x86_lock_alu_mr(struct x86_buf *b, enum x86_alu op, bool w, int base, int32_t disp, int src);
/* lock xadd [m], src: F0 REX 0F C1 /r */
void x86_lock_xadd(struct x86_buf *b, bool w, int base, int32_t disp, int src);
/* xchg [m], src (implicitly locked): REX 87 /r */
void x86_xchg_mr(struct x86_buf *b, bool w, int base, int32_t disp, int src);
/* lock cmpxchg [m], src (compares with rax): F0 REX 0F B1 /r */
void x86_lock_cmpxchg(struct x86_buf *b, bool w, int base, int32_t disp, int src);

/* Control flow.  rel is relative to the end of the instruction. */
/* jcc rel8: 70+cc cb (2 bytes) / jcc rel32: 0F 80+cc cd (6 bytes) */
void x86_jcc8(struct x86_buf *b, enum x86_cc cc, int8_t rel);
void x86_jcc32(struct x86_buf *b, enum x86_cc cc, int32_t rel);
/* jmp rel8: EB cb (2 bytes) / jmp rel32: E9 cd (5 bytes) */
void x86_jmp8(struct x86_buf *b, int8_t rel);
void x86_jmp32(struct x86_buf *b, int32_t rel);
/* call rel32: E8 cd (5 bytes) */
void x86_call32(struct x86_buf *b, int32_t rel);
/* call reg: REX FF /2 */
void x86_call_r(struct x86_buf *b, int reg);
/* push reg / pop reg: (41) 50+r / 58+r */
void x86_push(struct x86_buf *b, int reg);
void x86_pop(struct x86_buf *b, int reg);
/* ret: C3; leave: C9 */
void x86_ret(struct x86_buf *b);
void x86_leave(struct x86_buf *b);

#endif
