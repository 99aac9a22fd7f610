/*
 * The eBPF backend's analysis of the classic program (ebpf_plan.c), which
 * the emitter (ebpf.c) follows.  Classic programs only jump forward, so
 * every analysis is one pass in index order (facts flowing to successors)
 * or in reverse order (facts flowing back from them).
 */
#ifndef MOAT_COMPILE_FILTER_EBPF_INTERNAL_H
#define MOAT_COMPILE_FILTER_EBPF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <moat/cbpf.h>
#include <moat/error.h>

#define EBPF_NEVER UINT32_MAX /* req[]: no caplen makes a nonzero return possible */

/* How A is held in its register on entry to an instruction.  A 16- or
 * 32-bit packet load may leave the bytes in memory order (RAW16, RAW32)
 * when the only uses before A changes are tests that work as well on the
 * byte-swapped value with a byte-swapped constant (jeq, jset, and, or, xor
 * with a constant); every other use swaps A first. */
enum ebpf_arep { AREP_NORMAL, AREP_RAW16, AREP_RAW32 };

struct ebpf_plan {
	size_t n;
	/* req[i]: the smallest caplen for which the program, started at
	 * instruction i, can return nonzero.  Below it every path from i
	 * rejects (a return 0, or a load past the captured bytes), so a
	 * check `caplen >= req[i]` at i rejects exactly the packets classic
	 * BPF rejects, only earlier. */
	uint32_t *req;
	/* known[i]: caplen is at least this on entry to i, on every path,
	 * given the checks the emitter places (at a load that needs more
	 * than known[i], a check against req[i]). */
	uint32_t *known;
	/* xmax[i]: X is at most this on entry to i (UINT32_MAX: unknown). */
	uint32_t *xmax;
	/* check[i]: the emitter tests `caplen >= check[i]` at load i (0: no
	 * test, the load is covered; EBPF_NEVER: the load always rejects). */
	uint32_t *check;
	uint8_t *arep;  /* enum ebpf_arep of A on entry to each instruction */
	uint32_t snaplen;
	bool raw_loads; /* 16/32-bit loads into A leave it raw (AREP_RAW*) */
	bool uses_x;    /* some instruction reads X (else X needs no zeroing) */
};

/* Fills plan for the checked classic program insns[0..n) run with the
 * given snaplen.  Returns 0, or -ENOMEM.  Release with ebpf_plan_release. */
int ebpf_plan_build(struct ebpf_plan *plan, const struct moat_cbpf_insn *insns, size_t n,
		    uint32_t snaplen);
void ebpf_plan_release(struct ebpf_plan *plan);

/* Whether the instruction reads A; whether it can read A held raw in
 * representation rep (with its constant byte-swapped). */
bool ebpf_reads_a(const struct moat_cbpf_insn *in);
bool ebpf_raw_ok(const struct moat_cbpf_insn *in, enum ebpf_arep rep);

/* Bytes a classic load reads: 4, 2 or 1 from the size field. */
static inline unsigned ebpf_cbpf_size(uint16_t code)
{
	return (code & 0x18) == 0x10 ? 1 : (code & 0x18) == 0x08 ? 2 : 4;
}

/* The caplen a packet load needs (offset + size), or EBPF_NEVER when it
 * can never fit in snaplen; 0 for instructions that read no packet bytes.
 * An indirect load [x + k] needs at least k + size (x >= 0). */
uint32_t ebpf_load_need(const struct moat_cbpf_insn *in, uint32_t snaplen);

#endif
