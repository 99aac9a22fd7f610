/* Shared between the verifier's passes (src/engine/verifier/). */
#ifndef MOAT_ENGINE_VERIFIER_INTERNAL_H
#define MOAT_ENGINE_VERIFIER_INTERNAL_H

#include <moat/verify.h>
#include <moat/vm.h>

/* Slot kinds the structural pass computes: */
enum { VK_LDDW_HI = 1, VK_FUNC_START = 2 };

/*
 * Second pass, run on structurally valid programs: no register is read on
 * any path before it is written (r1, r10 and for MOAT_PROG_MEM r2 are set
 * on entry; r1-r5 on entry to a local function).  kind[] is the structural
 * pass's per-slot classification.
 */
int moat_verify_init_regs(const struct moat_prog *prog, const struct moat_vm *vm,
			  const uint8_t *kind, struct moat_error *err);

#endif
