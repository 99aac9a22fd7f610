/*
 * moat_verify: the structural pass (structure.c), registers written before
 * read (init_regs.c), then the abstract interpreter over every path
 * (check.c, memory.c, call.c), which proves memory safety and termination.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/verify.h>
#include <moat/vm.h>

#include "engine/exec_internal.h"
#include "engine/verifier/verifier_internal.h"

static void log_str(const struct moat_verify_opts *o, const char *s, size_t len)
{
	if (o && MOAT_OPTS_HAS(o, moat_verify_opts, log) && o->log.write && o->log_level > 0)
		o->log.write(o->log.arg, s, len);
}

/*
 * One instruction that reads a packet pointer out of the context must not
 * access anything else on another path: moat's VM rewrites that load for
 * its own context layout (as the kernel does, and rejects the same case).
 */
static int check_ctx_use(const uint8_t *use, size_t n, struct moat_error *err)
{
	for (size_t i = 0; i < n; i++)
		if ((use[i] & MOAT_CTXU_PTR) && (use[i] & MOAT_CTXU_OTHER))
			return moat_error_insn(err, EACCES, (long)i,
					       "this load reads a packet pointer from the context on "
					       "one path and other memory on another; use one "
					       "instruction per kind of access");
	return 0;
}

int moat_verify(const struct moat_prog *prog, const struct moat_verify_opts *opts,
		struct moat_verify_stats *stats, struct moat_error *err)
{
	return moat_verify_ctx(prog, opts, stats, NULL, err);
}

int moat_verify_ctx(const struct moat_prog *prog, const struct moat_verify_opts *opts,
		    struct moat_verify_stats *stats, uint8_t *use_out, struct moat_error *err)
{
	struct moat_vm *own = NULL;
	const struct moat_vm *vm = MOAT_OPTS_HAS(opts, moat_verify_opts, vm) ? opts->vm : NULL;
	if (!vm && !(vm = own = moat_vm_new(NULL, err)))
		return -ENOMEM;
	size_t n;
	struct venv env = { .prog = prog, .in = moat_prog_insns(prog, &n), .vm = vm, .err = err };
	env.n = n;
	env.type = moat_prog_type(prog);
	env.kernel_rules = env.type != MOAT_PROG_MEM;
	if (MOAT_OPTS_HAS(opts, moat_verify_opts, max_insns)) {
		env.kernel_rules |= opts->kernel_rules;
		env.mem_len = opts->mem_len;
		env.max_insns = opts->max_insns;
		env.log_level = opts->log_level;
		env.log = opts->log;
	}
	if (!env.log.write)
		env.log_level = 0;
	uint8_t *kind = calloc(n + 1, 1);
	uint8_t *use = use_out ? use_out : calloc(n + 1, 1);
	if (use_out)
		memset(use_out, 0, n);
	uint32_t funcs = 0;
	int r = kind && use ? 0 : moat_error_set(err, ENOMEM, "out of memory");
	if (r == 0)
		r = moat_verify_structure(prog, vm, kind, &funcs, err);
	if (r == 0)
		r = moat_verify_init_regs(prog, vm, kind, err);
	uint16_t *live = NULL, *prec = NULL;
	bool r0_checked = env.type == MOAT_PROG_CGROUP_SKB || env.type == MOAT_PROG_CGROUP_DEVICE;
	if (r == 0 && (!(live = moat_verify_liveness(prog, vm, kind)) ||
		       !(prec = moat_verify_precision(prog, vm, kind, r0_checked))))
		r = moat_error_set(err, ENOMEM, "out of memory");
	if (r == 0) {
		env.kind = kind;
		env.live = live;
		env.prec = prec;
		env.stats.funcs = 1;
		env.ctx_use = use;
		r = moat_verify_analyze(&env);
	}
	if (r == 0)
		r = check_ctx_use(use, n, err);
	/* after the analysis, so that a loop that never ends is reported as
	 * such rather than as the unreachable exit after it */
	if (r == 0) {
		long u = moat_verify_unreachable(prog, kind);
		if (u == -2)
			r = moat_error_set(err, ENOMEM, "out of memory");
		else if (u >= 0 && env.kernel_rules && !prog->from_cbpf) /* classic BPF may */
			r = moat_error_insn(err, EINVAL, u, "unreachable: no path leads to this "
					    "instruction (the kernel rejects unreachable eBPF code)");
		else if (u >= 0 && env.log_level > 0 && env.log.write) {
			char line[160];
			int len = snprintf(line, sizeof(line),
					   "warning: insn %ld is unreachable (no path leads to it)\n", u);
			env.log.write(env.log.arg, line, (size_t)len);
		}
	}
	char line[1100];
	int len;
	if (r == 0)
		len = snprintf(line, sizeof(line),
			       "verified: %zu instructions, %u function%s, %" PRIu64 " processed, "
			       "%" PRIu64 " states stored, %" PRIu64 " pruned, %u bytes of stack\n",
			       n, funcs, funcs == 1 ? "" : "s", env.stats.insns_processed,
			       env.stats.states_stored, env.stats.states_pruned, env.stats.stack_depth);
	else
		len = snprintf(line, sizeof(line), "rejected: insn %ld: %s\n",
			       err ? err->insn : -1L, err ? err->msg : "");
	log_str(opts, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
	if (stats) {
		*stats = env.stats;
		stats->funcs = funcs;
	}
	free(live);
	free(prec);
	free(kind);
	if (use != use_out)
		free(use);
	moat_vm_free(own);
	return r;
}
