/*
 * eBPF instructions as RFC 9669 encodes them (little-endian host layout,
 * identical to the kernel's struct bpf_insn), and the encoding constants.
 */
#ifndef MOAT_INSN_H
#define MOAT_INSN_H

#include <moat/common.h>

struct moat_insn {
	uint8_t code;   /* opcode: class | size/op | mode/source */
	uint8_t dst : 4; /* destination register */
	uint8_t src : 4; /* source register */
	int16_t off;    /* signed offset */
	int32_t imm;    /* signed immediate */
};
_Static_assert(sizeof(struct moat_insn) == 8, "eBPF instructions are 8 bytes");

/* Instruction classes (low 3 bits). */
enum {
	MOAT_LD = 0x00, MOAT_LDX = 0x01, MOAT_ST = 0x02, MOAT_STX = 0x03,
	MOAT_ALU = 0x04, MOAT_JMP = 0x05, MOAT_JMP32 = 0x06, MOAT_ALU64 = 0x07,
};
#define MOAT_CLASS(code) ((code) & 0x07)

/* Source bit of ALU/JMP classes. */
enum { MOAT_K = 0x00, MOAT_X = 0x08 };
#define MOAT_SRC(code) ((code) & 0x08)
#define MOAT_OP(code) ((code) & 0xf0)

/* ALU operations (high 4 bits). */
enum {
	MOAT_ADD = 0x00, MOAT_SUB = 0x10, MOAT_MUL = 0x20, MOAT_DIV = 0x30,
	MOAT_OR = 0x40, MOAT_AND = 0x50, MOAT_LSH = 0x60, MOAT_RSH = 0x70,
	MOAT_NEG = 0x80, MOAT_MOD = 0x90, MOAT_XOR = 0xa0, MOAT_MOV = 0xb0,
	MOAT_ARSH = 0xc0, MOAT_END = 0xd0,
};
/* Byte-swap direction for MOAT_ALU|MOAT_END (source bit). */
enum { MOAT_TO_LE = 0x00, MOAT_TO_BE = 0x08 };

/* Jump operations (high 4 bits). */
enum {
	MOAT_JA = 0x00, MOAT_JEQ = 0x10, MOAT_JGT = 0x20, MOAT_JGE = 0x30,
	MOAT_JSET = 0x40, MOAT_JNE = 0x50, MOAT_JSGT = 0x60, MOAT_JSGE = 0x70,
	MOAT_CALL = 0x80, MOAT_EXIT = 0x90, MOAT_JLT = 0xa0, MOAT_JLE = 0xb0,
	MOAT_JSLT = 0xc0, MOAT_JSLE = 0xd0,
};

/* Load/store size (bits 3-4) and mode (bits 5-7). */
enum { MOAT_W = 0x00, MOAT_H = 0x08, MOAT_B = 0x10, MOAT_DW = 0x18 };
#define MOAT_SIZE(code) ((code) & 0x18)
#define MOAT_MODE(code) ((code) & 0xe0)
enum {
	MOAT_IMM = 0x00, MOAT_ABS = 0x20, MOAT_IND = 0x40, MOAT_MEM = 0x60,
	MOAT_MEMSX = 0x80, MOAT_ATOMIC = 0xc0,
};

/* Atomic operations (imm of MOAT_STX|MOAT_ATOMIC). */
enum {
	MOAT_FETCH = 0x01,
	MOAT_XCHG = 0xe0 | MOAT_FETCH,
	MOAT_CMPXCHG = 0xf0 | MOAT_FETCH,
};

/* src field of the 64-bit immediate load (lddw). */
enum {
	MOAT_PSEUDO_MAP_FD = 1,    /* imm = map index (moat) or fd (kernel) */
	MOAT_PSEUDO_MAP_VALUE = 2, /* imm = map index, next imm = value offset */
};
/* src field of MOAT_JMP|MOAT_CALL. */
enum {
	MOAT_CALL_HELPER = 0, /* imm = helper id */
	MOAT_CALL_LOCAL = 1,  /* imm = relative target (pseudo call) */
	MOAT_CALL_KFUNC = 2,  /* "call runtime N": not supported by moat */
};

/* Registers. */
enum { MOAT_R0, MOAT_R1, MOAT_R2, MOAT_R3, MOAT_R4, MOAT_R5, MOAT_R6, MOAT_R7,
       MOAT_R8, MOAT_R9, MOAT_R10, MOAT_NREGS };

#define MOAT_STACK_SIZE 512 /* bytes of stack per frame */
#define MOAT_MAX_FRAMES 8   /* call depth, main function included */

/* Convenience constructor for builders and tests. */
#define MOAT_INSN(c, d, s, o, i) \
	((struct moat_insn){ .code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i) })

#endif
