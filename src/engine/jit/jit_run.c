/*
 * Running native code: the C trampoline around the image's entry stub, tail
 * calls between programs, and the callx shim.  Behaviour follows the
 * interpreter's moat_interp_run: registers start at 0 with r1 = the input
 * (on a tail call: r1 as it was at the call), r2 = its length; a tail call
 * replaces the running program from any depth; MOAT_MAX_TAIL_CALLS bounds
 * the chain (the helper counts in the shared struct moat_call).
 */
#include <errno.h>
#include <stddef.h>

#include "engine/jit/jit_internal.h"
#include "util/cleanup.h"

#define RUN_OF(c) ((struct moat_jit_run *)(void *)((char *)(c) - offsetof(struct moat_jit_run, call)))

uint64_t moat_jit_callx(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct moat_call *call)
{
	struct moat_jit_run *run = RUN_OF(call);
	uint64_t id = run->callx_id;
	const struct moat_helper_entry *h =
		id <= UINT32_MAX ? moat_vm_helper(call->vm, (uint32_t)id) : NULL;
	if (!h) {
		run->status = JIT_ERR_CALLX;
		return 0;
	}
	call->user = h->user;
	uint64_t r0 = h->fn(r1, r2, r3, r4, r5, call);
	if (call->tail_to)
		run->status = JIT_TAIL;
	return r0;
}

/* The error a non-zero status stands for. */
static int status_error(const struct moat_jit_run *run, struct moat_error *err)
{
	const struct moat_exec *e = run->call.exec;
	switch ((enum jit_status)run->status) {
	case JIT_ERR_DEPTH:
		return moat_error_insn(err, E2BIG, run->err_insn,
				       "local call nests deeper than %d frames", MOAT_MAX_FRAMES);
	case JIT_ERR_CALLX: {
		const struct moat_insn *in = &e->prog->insns[run->err_insn];
		return moat_error_insn(err, EINVAL, run->err_insn,
				       "callx: r%u = %llu is not a registered helper",
				       in->dst ? in->dst : (unsigned)in->imm,
				       (unsigned long long)run->callx_id);
	}
	case JIT_ERR_OFF_END:
		return moat_error_set(err, EINVAL,
				      "control left the program (fell off its end or jumped outside it)");
	case JIT_OK:
	case JIT_TAIL:
		break;
	}
	return moat_error_set(err, EINVAL, "native code stopped with status %d", run->status);
}

/* Everything but the common exit: errors, tail calls, mixed chains. */
static __attribute__((noinline)) int run_slow(struct moat_jit_run *run, uint64_t r0)
{
	for (;;) {
		if (run->status == JIT_OK) {
			if (run->ret)
				*run->ret = r0;
			return 0;
		}
		if (run->status != JIT_TAIL)
			return status_error(run, run->err);
		struct moat_exec *e = run->call.tail_to;
		run->call.exec = e;
		run->call.tail_to = NULL;
		if (!e->jit) {
			/* A tail call into an exec without native code: the
			 * interpreter runs the rest of the chain (r1 is the
			 * context: the tail-call helper's prototype requires it;
			 * the interpreter counts its own tail calls from 0). */
			return moat_interp_run(e, (void *)(uintptr_t)run->ctx, run->ctx_len, run->ret,
					       run->err);
		}
		run->status = JIT_OK;
		run->depth = 0;
		r0 = e->jit->entry(&run->call, run->r1, run->ctx_len);
	}
}

int moat_jit_run(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
		 struct moat_error *err)
{
	/* Only the fields a verified run uses are set: a run is short.  The
	 * call's region list stays unused (call.checked is false, so helpers
	 * never add to it) and helpers' user pointer is set before each call. */
	struct moat_jit_run run;
	const struct moat_jit *jit = exec->jit;
	if (jit && jit->light) {
		/* no calls, no packet loads: only the status is read */
		run.status = JIT_OK;
		run.call.exec = exec;
		uint64_t r0 = jit->entry(&run.call, (uintptr_t)ctx, ctx_len);
		if (__builtin_expect(run.status == JIT_OK, 1)) {
			if (ret)
				*ret = r0;
			return 0;
		}
		run.err = err;
		return status_error(&run, err);
	}
	run.ctx = (uintptr_t)ctx;
	run.ctx_len = ctx_len;
	run.status = JIT_OK;
	run.depth = 0;
	run.ret = ret;
	run.err = err;
	run.call.vm = exec->vm;
	run.call.exec = exec;
	run.call.user = NULL;
	run.call.tail_calls = 0;
	run.call.tail_to = NULL;
	run.call.checked = false;
	run.call.regions = run.call.inline_regions;
	run.call.n_regions = 0;
	if (!exec->jit)
		return moat_interp_run(exec, ctx, ctx_len, ret, err);
	uint64_t r0 = exec->jit->entry(&run.call, (uintptr_t)ctx, ctx_len);
	if (__builtin_expect(run.status == JIT_OK, 1)) {
		if (run.ret)
			*run.ret = r0;
		return 0;
	}
	return run_slow(&run, r0);
}
