/* Execs: programs made runnable in a VM (include/moat/vm.h). */
#include <errno.h>
#include <stdlib.h>

#include "engine/exec_internal.h"
#include "engine/map_internal.h"

struct moat_exec *moat_exec_new(struct moat_vm *vm, const struct moat_prog *prog,
				const struct moat_exec_opts *opts, struct moat_error *err)
{
	enum moat_exec_mode mode = MOAT_OPTS_HAS(opts, moat_exec_opts, mode) ? opts->mode
									      : MOAT_EXEC_INTERP;
	bool unverified = MOAT_OPTS_HAS(opts, moat_exec_opts, unverified) && opts->unverified;
	if (mode == MOAT_EXEC_JIT) {
		moat_error_set(err, EOPNOTSUPP, "the JIT is not built yet");
		return NULL;
	}
	if (mode != MOAT_EXEC_INTERP && mode != MOAT_EXEC_CHECKED) {
		moat_error_set(err, EINVAL, "unknown execution mode %d", (int)mode);
		return NULL;
	}
	if (unverified && mode != MOAT_EXEC_CHECKED) {
		moat_error_set(err, EINVAL,
			       "unverified programs may only run in the checked interpreter");
		return NULL;
	}
	if (!unverified) {
		MOAT_OPTS(moat_verify_opts, vo, .vm = vm);
		if (MOAT_OPTS_HAS(opts, moat_exec_opts, verify_log)) {
			vo.log_level = opts->verify_log_level;
			vo.log = opts->verify_log;
			vo.mem_len = opts->mem_len;
		}
		if (moat_verify(prog, &vo, NULL, err) < 0)
			return NULL;
	}
	struct moat_exec *e = calloc(1, sizeof(*e));
	if (!e) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	e->vm = vm;
	e->prog = prog;
	e->mode = mode;
	if (MOAT_OPTS_HAS(opts, moat_exec_opts, trace))
		e->trace = opts->trace;
	/*
	 * The unchecked loop trusts every pointer.  Only a verifier that proves
	 * memory safety may send a program there; until then (and whenever
	 * the caller asked for checks, runs unverified or traces) every access
	 * is checked.
	 */
	e->checked = mode == MOAT_EXEC_CHECKED || unverified || e->trace.write ||
		     !MOAT_VERIFIER_PROVES_MEMORY_SAFETY;
	if (moat_interp_prepare(e, err) < 0) {
		moat_exec_free(e);
		return NULL;
	}
	return e;
}

void moat_exec_force_unchecked(struct moat_exec *exec)
{
	struct moat_dinsn *old = exec->code;
	exec->checked = false;
	exec->code = NULL;
	if (moat_interp_prepare(exec, NULL) < 0) { /* out of memory: stay checked */
		free(exec->code);
		exec->code = old;
		exec->checked = true;
		return;
	}
	free(old);
}

void moat_exec_free(struct moat_exec *exec)
{
	if (!exec)
		return;
	free(exec->code);
	free(exec);
}

int moat_exec_run(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
		  struct moat_error *err)
{
	return moat_interp_run(exec, ctx, ctx_len, ret, err);
}

enum moat_exec_mode moat_exec_mode(const struct moat_exec *exec)
{
	return exec->mode;
}

const void *moat_exec_code(const struct moat_exec *exec, size_t *len)
{
	(void)exec;
	if (len)
		*len = 0;
	return NULL;
}

int moat_prog_array_set(struct moat_map *map, uint32_t idx, struct moat_exec *exec,
			struct moat_error *err)
{
	if (moat_map_type(map) != MOAT_MAP_PROG_ARRAY)
		return moat_error_set(err, EINVAL, "map '%s' is not a program array",
				      moat_map_name(map));
	return moat_prog_array_store(map, idx, exec, err);
}
