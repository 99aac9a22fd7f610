/*
 * The instruction builder every moat compiler emits eBPF through: labels
 * with forward and backward jumps, 64-bit constants, map references and
 * source positions.  Errors are sticky: emitting never fails visibly, and
 * moat_builder_finish() reports the first problem (out of memory, a label
 * never bound, a jump too far), so code generators stay straight-line.
 *
 *     struct moat_builder *b = moat_builder_new(MOAT_PROG_SOCKET_FILTER);
 *     moat_label drop = moat_builder_label(b);
 *     moat_builder_emit(b, MOAT_LDX_MEM(MOAT_W, MOAT_R2, MOAT_R1, 0));
 *     moat_builder_jmp_imm(b, MOAT_JEQ, MOAT_R2, 0, drop);
 *     moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 1));
 *     moat_builder_emit(b, MOAT_EXIT_INSN());
 *     moat_builder_bind(b, drop);
 *     moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
 *     moat_builder_emit(b, MOAT_EXIT_INSN());
 *     struct moat_prog *p = moat_builder_finish(b, "demo", &err);
 *     moat_builder_free(b);
 */
#ifndef MOAT_BUILDER_H
#define MOAT_BUILDER_H

#include <moat/prog.h>

/* Instruction constructors (RFC 9669 encodings). */
#define MOAT_ALU64_IMM(op, d, i) MOAT_INSN(MOAT_ALU64 | (op) | MOAT_K, d, 0, 0, i)
#define MOAT_ALU64_REG(op, d, s) MOAT_INSN(MOAT_ALU64 | (op) | MOAT_X, d, s, 0, 0)
#define MOAT_ALU32_IMM(op, d, i) MOAT_INSN(MOAT_ALU | (op) | MOAT_K, d, 0, 0, i)
#define MOAT_ALU32_REG(op, d, s) MOAT_INSN(MOAT_ALU | (op) | MOAT_X, d, s, 0, 0)
#define MOAT_MOV64_IMM(d, i) MOAT_ALU64_IMM(MOAT_MOV, d, i)
#define MOAT_MOV64_REG(d, s) MOAT_ALU64_REG(MOAT_MOV, d, s)
#define MOAT_MOV32_IMM(d, i) MOAT_ALU32_IMM(MOAT_MOV, d, i)
#define MOAT_MOV32_REG(d, s) MOAT_ALU32_REG(MOAT_MOV, d, s)
/* Byte swap to big endian (network order) of the low `bits` (16, 32, 64). */
#define MOAT_BE(d, bits) MOAT_INSN(MOAT_ALU | MOAT_END | MOAT_TO_BE, d, 0, 0, bits)
#define MOAT_LDX_MEM(sz, d, s, o) MOAT_INSN(MOAT_LDX | MOAT_MEM | (sz), d, s, o, 0)
#define MOAT_STX_MEM(sz, d, s, o) MOAT_INSN(MOAT_STX | MOAT_MEM | (sz), d, s, o, 0)
#define MOAT_ST_MEM(sz, d, o, i) MOAT_INSN(MOAT_ST | MOAT_MEM | (sz), d, 0, o, i)
#define MOAT_CALL_INSN(helper) MOAT_INSN(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_HELPER, 0, helper)
#define MOAT_EXIT_INSN() MOAT_INSN(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0)

struct moat_builder;

/* A jump target; 0 is never a valid label. */
typedef uint32_t moat_label;

/* A builder for a program of `type`.  NULL only when out of memory.
 * Free with moat_builder_free(). */
MOAT_API struct moat_builder *moat_builder_new(enum moat_prog_type type);

/* Frees the builder and drops its map references.  NULL is allowed. */
MOAT_API void moat_builder_free(struct moat_builder *b);

/* Appends one instruction.  For lddw use moat_builder_ld_imm64/_ld_map. */
MOAT_API void moat_builder_emit(struct moat_builder *b, struct moat_insn insn);

/* The index the next instruction will have. */
MOAT_API size_t moat_builder_pos(const struct moat_builder *b);

/* A new, unbound label. */
MOAT_API moat_label moat_builder_label(struct moat_builder *b);

/* Binds `l` to the next instruction.  Binding a label twice is an error
 * reported by finish. */
MOAT_API void moat_builder_bind(struct moat_builder *b, moat_label l);

/*
 * Conditional jumps to a label: `op` is a jump operation (MOAT_JEQ, MOAT_JGT,
 * ..., MOAT_JSET); `wide32` selects the JMP32 class (compare low halves).
 * MOAT_JA with any operands is an unconditional jump (moat_builder_ja).
 */
MOAT_API void moat_builder_jmp_imm(struct moat_builder *b, uint8_t op, uint8_t dst, int32_t imm,
				   moat_label target);
MOAT_API void moat_builder_jmp_reg(struct moat_builder *b, uint8_t op, uint8_t dst, uint8_t src,
				   moat_label target);
MOAT_API void moat_builder_jmp32_imm(struct moat_builder *b, uint8_t op, uint8_t dst, int32_t imm,
				     moat_label target);
MOAT_API void moat_builder_ja(struct moat_builder *b, moat_label target);

/* dst = a 64-bit constant (two instruction slots; one when it fits a
 * sign-extended 32-bit mov). */
MOAT_API void moat_builder_ld_imm64(struct moat_builder *b, uint8_t dst, uint64_t v);

/* dst = pointer to `map` (lddw MOAT_PSEUDO_MAP_FD).  The program takes its
 * own reference; the same map used twice gets one table slot. */
MOAT_API void moat_builder_ld_map(struct moat_builder *b, uint8_t dst, struct moat_map *map);

/* dst = pointer to byte `off` of the value of single-entry array `map`
 * (lddw MOAT_PSEUDO_MAP_VALUE). */
MOAT_API void moat_builder_ld_map_value(struct moat_builder *b, uint8_t dst, struct moat_map *map,
					uint32_t off);

/*
 * Source position of the instructions emitted from now on (a rule file's
 * line, a filter expression's column), carried into the program's line
 * info so verifier messages name the source.  Strings are copied; file may
 * be NULL to stop attributing.
 */
MOAT_API void moat_builder_set_source(struct moat_builder *b, const char *file, uint32_t line,
				      uint32_t col, const char *text);

/*
 * Resolves every jump and returns the program (name may be NULL).  The
 * builder keeps its contents and may be freed afterwards.  Errors: ENOMEM,
 * EINVAL for a label used but never bound or bound twice, E2BIG for a jump
 * whose distance does not fit the 16-bit offset (unconditional jumps fall
 * back to the 32-bit `gotol` form), all with the instruction index.
 * Returns NULL on error; free the program with moat_prog_free().
 */
MOAT_API struct moat_prog *moat_builder_finish(struct moat_builder *b, const char *name,
					       struct moat_error *err);

#endif
