/*
 * The verifier: proves, before anything runs, that a program terminates and
 * only touches memory it may.  A rejection names the instruction, the rule,
 * the path that leads there and the register state.
 */
#ifndef MOAT_VERIFY_H
#define MOAT_VERIFY_H

#include <moat/prog.h>

struct moat_vm;

struct moat_verify_opts {
	size_t sz;
	const struct moat_vm *vm; /* helper prototypes; NULL = the kernel helpers */
	int log_level;            /* 0 none, 1 summary and rejection path, 2 state at every step */
	struct moat_sink log;     /* where the log goes */
	bool kernel_rules;        /* the kernel's extra limits, unreachable eBPF code
				   * included (on by default for every type but MOAT_PROG_MEM) */
	uint64_t mem_len;         /* MOAT_PROG_MEM: buffer length known at run time */
	uint32_t max_insns;       /* processed-instruction cap; 0 = 1,000,000 */
};

struct moat_verify_stats {
	uint64_t insns_processed; /* instructions analysed, over all paths */
	uint64_t states_stored;   /* states kept for pruning */
	uint64_t states_pruned;   /* paths cut because a stored state covered them */
	uint32_t stack_depth;     /* bytes of stack, deepest call chain */
	uint32_t funcs;           /* functions (main + local) */
	uint32_t ctx_accesses;    /* loads and stores through the context pointer (not
				   * counting mem programs' buffer) */
	/* on rejection: the last jumps taken on the failing path, oldest first */
	uint32_t path_len;
	uint32_t path[24][2];     /* {from, to} instruction indexes */
};

/*
 * Verifies `prog`.  Returns 0 when it is safe to run, else a negative errno
 * (EINVAL for malformed programs, EACCES for unsafe ones, E2BIG when the
 * analysis cap is hit) with err naming the instruction (err->insn) and the
 * reason.  opts and stats may be NULL.
 */
MOAT_API int moat_verify(const struct moat_prog *prog, const struct moat_verify_opts *opts,
			 struct moat_verify_stats *stats, struct moat_error *err);

#endif
