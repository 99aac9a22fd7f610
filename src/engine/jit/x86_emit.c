/* The x86-64 encoder (see x86_emit.h for the conventions). */
#include <stdlib.h>
#include <string.h>

#include "engine/jit/x86_emit.h"

void x86_byte(struct x86_buf *b, uint8_t v)
{
	if (b->len == b->cap) {
		if (b->oom)
			return;
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = v;
}

void x86_u32(struct x86_buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		x86_byte(b, (uint8_t)(v >> (8 * i)));
}

void x86_u64(struct x86_buf *b, uint64_t v)
{
	x86_u32(b, (uint32_t)v);
	x86_u32(b, (uint32_t)(v >> 32));
}

void x86_patch_rel8(struct x86_buf *b, size_t pos)
{
	if (b->oom || pos >= b->len)
		return;
	b->p[pos] = (uint8_t)(int8_t)(b->len - (pos + 1));
}

/* Encoding flags for enc(). */
enum {
	E_W = 1,       /* REX.W: 64-bit operand */
	E_66 = 2,      /* operand-size prefix: 16-bit operand */
	E_LOCK = 4,    /* lock prefix */
	E_MEM = 8,     /* rm is a memory base (with disp), not a register */
	E_BREG = 16,   /* reg field is a byte register: spl..dil need a REX */
	E_BRM = 32,    /* rm (register form) is a byte register */
};

/*
 * One instruction: [F0] [66] [REX] opcode ModRM [SIB] [disp].  `reg` is the
 * ModRM reg field (a register or an opcode extension), `rm` the register or
 * memory base.
 */
static void enc(struct x86_buf *b, unsigned fl, const uint8_t *op, int oplen, int reg, int rm,
		int32_t disp)
{
	if (fl & E_LOCK)
		x86_byte(b, 0xf0);
	if (fl & E_66)
		x86_byte(b, 0x66);
	uint8_t rex = (uint8_t)(0x40 | ((fl & E_W) ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
	bool need = rex != 0x40 || ((fl & E_BREG) && reg >= 4 && reg <= 7) ||
		    ((fl & E_BRM) && !(fl & E_MEM) && rm >= 4 && rm <= 7);
	if (need)
		x86_byte(b, rex);
	for (int i = 0; i < oplen; i++)
		x86_byte(b, op[i]);
	if (!(fl & E_MEM)) {
		x86_byte(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
		return;
	}
	int mod = disp == 0 && (rm & 7) != X_RBP ? 0 : x86_is_s8(disp) ? 1 : 2;
	x86_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm & 7)));
	if ((rm & 7) == X_RSP)
		x86_byte(b, 0x24); /* SIB: base only, no index */
	if (mod == 1)
		x86_byte(b, (uint8_t)(int8_t)disp);
	else if (mod == 2)
		x86_u32(b, (uint32_t)disp);
}

#define OP(...) (const uint8_t[]){ __VA_ARGS__ }, (int)sizeof((const uint8_t[]){ __VA_ARGS__ })

void x86_alu_rr(struct x86_buf *b, enum x86_alu op, bool w, int dst, int src)
{
	enc(b, w ? E_W : 0, OP((uint8_t)(op << 3 | 1)), src, dst, 0);
}

void x86_alu_ri(struct x86_buf *b, enum x86_alu op, bool w, int dst, int32_t imm)
{
	if (x86_is_s8(imm)) {
		enc(b, w ? E_W : 0, OP(0x83), op, dst, 0);
		x86_byte(b, (uint8_t)(int8_t)imm);
		return;
	}
	x86_alu_ri32(b, op, w, dst, imm);
}

void x86_alu_ri32(struct x86_buf *b, enum x86_alu op, bool w, int dst, int32_t imm)
{
	enc(b, w ? E_W : 0, OP(0x81), op, dst, 0);
	x86_u32(b, (uint32_t)imm);
}

void x86_mov_rr(struct x86_buf *b, bool w, int dst, int src)
{
	enc(b, w ? E_W : 0, OP(0x89), src, dst, 0);
}

void x86_mov_ri32(struct x86_buf *b, int dst, uint32_t imm)
{
	if (dst & 8)
		x86_byte(b, 0x41);
	x86_byte(b, (uint8_t)(0xb8 | (dst & 7)));
	x86_u32(b, imm);
}

void x86_movabs(struct x86_buf *b, int dst, uint64_t imm)
{
	x86_byte(b, (uint8_t)(0x48 | ((dst & 8) ? 1 : 0)));
	x86_byte(b, (uint8_t)(0xb8 | (dst & 7)));
	x86_u64(b, imm);
}

void x86_mov_ri(struct x86_buf *b, bool w, int dst, int64_t imm)
{
	if (!w)
		imm = (uint32_t)imm;
	if (imm == 0) {
		x86_alu_rr(b, XA_XOR, false, dst, dst); /* xor r32, r32 zero-extends */
	} else if (imm > 0 && imm <= UINT32_MAX) {
		x86_mov_ri32(b, dst, (uint32_t)imm);
	} else if (x86_is_s32(imm)) {
		enc(b, E_W, OP(0xc7), 0, dst, 0); /* mov r64, simm32 */
		x86_u32(b, (uint32_t)imm);
	} else {
		x86_movabs(b, dst, (uint64_t)imm);
	}
}

void x86_test_rr(struct x86_buf *b, bool w, int a, int r)
{
	enc(b, w ? E_W : 0, OP(0x85), r, a, 0);
}

void x86_test_ri(struct x86_buf *b, bool w, int a, int32_t imm)
{
	enc(b, w ? E_W : 0, OP(0xf7), 0, a, 0);
	x86_u32(b, (uint32_t)imm);
}

void x86_imul_rr(struct x86_buf *b, bool w, int dst, int src)
{
	enc(b, w ? E_W : 0, OP(0x0f, 0xaf), dst, src, 0);
}

void x86_imul_rri(struct x86_buf *b, bool w, int dst, int src, int32_t imm)
{
	if (x86_is_s8(imm)) {
		enc(b, w ? E_W : 0, OP(0x6b), dst, src, 0);
		x86_byte(b, (uint8_t)(int8_t)imm);
	} else {
		enc(b, w ? E_W : 0, OP(0x69), dst, src, 0);
		x86_u32(b, (uint32_t)imm);
	}
}

void x86_neg(struct x86_buf *b, bool w, int dst)
{
	enc(b, w ? E_W : 0, OP(0xf7), 3, dst, 0);
}

void x86_div(struct x86_buf *b, bool w, bool sign, int src)
{
	enc(b, w ? E_W : 0, OP(0xf7), sign ? 7 : 6, src, 0);
}

void x86_cqo(struct x86_buf *b, bool w)
{
	if (w)
		x86_byte(b, 0x48);
	x86_byte(b, 0x99);
}

void x86_shift_cl(struct x86_buf *b, enum x86_shift op, bool w, int dst)
{
	enc(b, w ? E_W : 0, OP(0xd3), op, dst, 0);
}

void x86_shift_ri(struct x86_buf *b, enum x86_shift op, bool w, int dst, uint8_t imm)
{
	if (imm == 1) {
		enc(b, w ? E_W : 0, OP(0xd1), op, dst, 0);
		return;
	}
	enc(b, w ? E_W : 0, OP(0xc1), op, dst, 0);
	x86_byte(b, imm);
}

void x86_rol16_8(struct x86_buf *b, int dst)
{
	enc(b, E_66, OP(0xc1), XS_ROL, dst, 0);
	x86_byte(b, 8);
}

void x86_bswap(struct x86_buf *b, bool w, int dst)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((dst & 8) ? 1 : 0));
	if (rex != 0x40)
		x86_byte(b, rex);
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)(0xc8 | (dst & 7)));
}

void x86_movzx_rr(struct x86_buf *b, enum x86_size sz, int dst, int src)
{
	enc(b, E_BRM, OP(0x0f, sz == XSZ_8 ? 0xb6 : 0xb7), dst, src, 0);
}

void x86_movsx_rr(struct x86_buf *b, bool w, enum x86_size sz, int dst, int src)
{
	unsigned fl = (w ? E_W : 0) | E_BRM;
	if (sz == XSZ_32)
		enc(b, E_W, OP(0x63), dst, src, 0);
	else
		enc(b, fl, OP(0x0f, sz == XSZ_8 ? 0xbe : 0xbf), dst, src, 0);
}

void x86_load(struct x86_buf *b, enum x86_size sz, int dst, int base, int32_t disp)
{
	switch (sz) {
	case XSZ_8: enc(b, E_MEM, OP(0x0f, 0xb6), dst, base, disp); break;
	case XSZ_16: enc(b, E_MEM, OP(0x0f, 0xb7), dst, base, disp); break;
	case XSZ_32: enc(b, E_MEM, OP(0x8b), dst, base, disp); break;
	case XSZ_64: enc(b, E_MEM | E_W, OP(0x8b), dst, base, disp); break;
	}
}

void x86_load_sx(struct x86_buf *b, enum x86_size sz, int dst, int base, int32_t disp)
{
	switch (sz) {
	case XSZ_8: enc(b, E_MEM | E_W, OP(0x0f, 0xbe), dst, base, disp); break;
	case XSZ_16: enc(b, E_MEM | E_W, OP(0x0f, 0xbf), dst, base, disp); break;
	case XSZ_32: enc(b, E_MEM | E_W, OP(0x63), dst, base, disp); break;
	case XSZ_64: enc(b, E_MEM | E_W, OP(0x8b), dst, base, disp); break;
	}
}

void x86_store_r(struct x86_buf *b, enum x86_size sz, int base, int32_t disp, int src)
{
	switch (sz) {
	case XSZ_8: enc(b, E_MEM | E_BREG, OP(0x88), src, base, disp); break;
	case XSZ_16: enc(b, E_MEM | E_66, OP(0x89), src, base, disp); break;
	case XSZ_32: enc(b, E_MEM, OP(0x89), src, base, disp); break;
	case XSZ_64: enc(b, E_MEM | E_W, OP(0x89), src, base, disp); break;
	}
}

void x86_store_i(struct x86_buf *b, enum x86_size sz, int base, int32_t disp, int32_t imm)
{
	switch (sz) {
	case XSZ_8:
		enc(b, E_MEM, OP(0xc6), 0, base, disp);
		x86_byte(b, (uint8_t)imm);
		break;
	case XSZ_16:
		enc(b, E_MEM | E_66, OP(0xc7), 0, base, disp);
		x86_byte(b, (uint8_t)imm);
		x86_byte(b, (uint8_t)(imm >> 8));
		break;
	case XSZ_32:
		enc(b, E_MEM, OP(0xc7), 0, base, disp);
		x86_u32(b, (uint32_t)imm);
		break;
	case XSZ_64:
		enc(b, E_MEM | E_W, OP(0xc7), 0, base, disp);
		x86_u32(b, (uint32_t)imm);
		break;
	}
}

void x86_lea(struct x86_buf *b, int dst, int base, int32_t disp)
{
	enc(b, E_MEM | E_W, OP(0x8d), dst, base, disp);
}

void x86_cmp_mi8(struct x86_buf *b, bool w, int base, int32_t disp, int8_t imm)
{
	enc(b, E_MEM | (w ? E_W : 0), OP(0x83), XA_CMP, base, disp);
	x86_byte(b, (uint8_t)imm);
}

void x86_add_mi8(struct x86_buf *b, int base, int32_t disp, int8_t imm)
{
	enc(b, E_MEM, OP(0x83), XA_ADD, base, disp);
	x86_byte(b, (uint8_t)imm);
}

void x86_lock_alu_mr(struct x86_buf *b, enum x86_alu op, bool w, int base, int32_t disp, int src)
{
	enc(b, E_MEM | E_LOCK | (w ? E_W : 0), OP((uint8_t)(op << 3 | 1)), src, base, disp);
}

void x86_lock_xadd(struct x86_buf *b, bool w, int base, int32_t disp, int src)
{
	enc(b, E_MEM | E_LOCK | (w ? E_W : 0), OP(0x0f, 0xc1), src, base, disp);
}

void x86_xchg_mr(struct x86_buf *b, bool w, int base, int32_t disp, int src)
{
	enc(b, E_MEM | (w ? E_W : 0), OP(0x87), src, base, disp);
}

void x86_lock_cmpxchg(struct x86_buf *b, bool w, int base, int32_t disp, int src)
{
	enc(b, E_MEM | E_LOCK | (w ? E_W : 0), OP(0x0f, 0xb1), src, base, disp);
}

void x86_jcc8(struct x86_buf *b, enum x86_cc cc, int8_t rel)
{
	x86_byte(b, (uint8_t)(0x70 | cc));
	x86_byte(b, (uint8_t)rel);
}

void x86_jcc32(struct x86_buf *b, enum x86_cc cc, int32_t rel)
{
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)(0x80 | cc));
	x86_u32(b, (uint32_t)rel);
}

void x86_jmp8(struct x86_buf *b, int8_t rel)
{
	x86_byte(b, 0xeb);
	x86_byte(b, (uint8_t)rel);
}

void x86_jmp32(struct x86_buf *b, int32_t rel)
{
	x86_byte(b, 0xe9);
	x86_u32(b, (uint32_t)rel);
}

void x86_call32(struct x86_buf *b, int32_t rel)
{
	x86_byte(b, 0xe8);
	x86_u32(b, (uint32_t)rel);
}

void x86_call_r(struct x86_buf *b, int reg)
{
	enc(b, 0, OP(0xff), 2, reg, 0);
}

void x86_push(struct x86_buf *b, int reg)
{
	if (reg & 8)
		x86_byte(b, 0x41);
	x86_byte(b, (uint8_t)(0x50 | (reg & 7)));
}

void x86_pop(struct x86_buf *b, int reg)
{
	if (reg & 8)
		x86_byte(b, 0x41);
	x86_byte(b, (uint8_t)(0x58 | (reg & 7)));
}

void x86_ret(struct x86_buf *b)
{
	x86_byte(b, 0xc3);
}

void x86_leave(struct x86_buf *b)
{
	x86_byte(b, 0xc9);
}
