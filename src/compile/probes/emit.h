/*
 * Shared pieces of the probe programs' code generation (internal to
 * src/compile/probes).  Register conventions inside every probe:
 *   r6 = the context (r1 on entry), r7 = bpf_get_current_pid_tgid(),
 *   r8 and r9 = per-probe values kept across helper calls.
 * Stack: [r10-4] u32 tid key, [r10-8] u32 scratch key.
 */
#ifndef MOAT_COMPILE_PROBES_EMIT_H
#define MOAT_COMPILE_PROBES_EMIT_H

#include <moat/builder.h>
#include <moat/helper.h>

#include "compile/probes/probes.h"

#define EMIT(b, insn) moat_builder_emit((b), (insn))
#define R(n) MOAT_R##n

enum { STK_TID = -4, STK_KEY = -8 };

/* r_dst = r10 + off */
static inline void emit_stack_ptr(struct moat_builder *b, uint8_t dst, int16_t off)
{
	EMIT(b, MOAT_MOV64_REG(dst, R(10)));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, dst, off));
}

static inline void emit_call(struct moat_builder *b, int32_t helper)
{
	EMIT(b, MOAT_CALL_INSN(helper));
}

/* A builder for a probe of cfg's hook layout (tracepoint record or raw
 * arguments); NULL with err set when out of memory. */
struct moat_builder *probe_builder_new(const struct probe_cfg *cfg, struct moat_error *err);

/* r6 = ctx, r7 = pid_tgid, [r10-4] = tid. */
void probe_emit_context(struct moat_builder *b);

/* The scope check: jumps to `out` when the current task is not traced
 * (pid scope: its tgid's bit, which needs r7 = pid_tgid; cgroup scope: its
 * cgroup id or its ancestor's at the traced level). */
void probe_emit_scope(struct moat_builder *b, const struct probe_cfg *cfg,
		      const struct probe_maps *m, moat_label out);

/*
 * The tgid bitmap: for the tgid in the upper half of register `src`,
 * r0 = its word in the bits map, r2 = its bit as a mask, r1 = word & mask
 * (non-zero when tracked).  Jumps to `out` if the word does not exist.
 */
void probe_emit_tgid_bit(struct moat_builder *b, const struct probe_maps *m, uint8_t src,
			 moat_label out);

/* Both of the above. */
void probe_emit_prologue(struct moat_builder *b, const struct probe_cfg *cfg,
			 const struct probe_maps *m, moat_label out);

/* r0 = map_lookup_elem(map, r10 + key_off); jumps to `miss` on NULL. */
void probe_emit_lookup(struct moat_builder *b, struct moat_map *map, int16_t key_off,
		       moat_label miss);

/* map_update_elem(map, r10 + key_off, r10 + val_off, BPF_ANY). */
void probe_emit_update(struct moat_builder *b, struct moat_map *map, int16_t key_off,
		       int16_t val_off);

/* Stores `len` zero bytes (a multiple of 8) at r10 + off. */
void probe_emit_zero(struct moat_builder *b, int16_t off, int len);

/* The end: out: r0 = 0; exit.  Then finish the program. */
struct moat_prog *probe_finish(struct moat_builder *b, moat_label out, const char *name,
			       struct moat_error *err);

#endif
