/* Execs: programs made runnable in a VM (include/moat/vm.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

#include "engine/exec_internal.h"
#include "engine/jit/jit_internal.h"
#include "engine/map_internal.h"

/* The context layout moat's VM gives verified programs of a type. */
static uint8_t vm_ctx_of(enum moat_prog_type type)
{
	if (type == MOAT_PROG_XDP)
		return MOAT_VMCTX_XDP;
	if (type == MOAT_PROG_SOCKET_FILTER || type == MOAT_PROG_SCHED_CLS ||
	    type == MOAT_PROG_CGROUP_SKB)
		return MOAT_VMCTX_SKB;
	return MOAT_VMCTX_NONE;
}

static size_t vm_ctx_size(uint8_t kind)
{
	return kind == MOAT_VMCTX_XDP ? sizeof(struct moat_xdp_ctx) : sizeof(struct moat_skb_ctx);
}

/* Where the native pointer of the packet-pointer field at uapi offset off
 * lies in moat's context struct. */
static int16_t ptr_slot(uint8_t kind, int16_t off)
{
	if (kind == MOAT_VMCTX_XDP) /* xdp_md: data 0, data_end 4, data_meta 8 */
		return (int16_t)(offsetof(struct moat_xdp_ctx, data) + 2 * off);
	return (int16_t)(off == offsetof(struct moat_skb_ctx, data32) ? offsetof(struct moat_skb_ctx, data)
			 : off == offsetof(struct moat_skb_ctx, data_end32)
				 ? offsetof(struct moat_skb_ctx, data_end)
				 : offsetof(struct moat_skb_ctx, data_meta));
}

/*
 * XDP and skb programs read 32-bit data, data_end and data_meta words of
 * struct xdp_md / __sk_buff; in moat's VM the context is struct
 * moat_xdp_ctx / moat_skb_ctx, whose other fields keep their uapi offsets
 * and whose native pointers follow the uapi words.  Every load the verifier
 * saw reading one of those fields (through the unmoved context pointer, so
 * the field is the load's offset) becomes a 64-bit load of the pointer: one
 * instruction for one, so no jump moves.  The verifier refused any such
 * load that also reads other memory.
 */
static struct moat_prog *ctx_rewrite(const struct moat_prog *prog, uint8_t kind,
				     const uint8_t *use, struct moat_error *err)
{
	_Static_assert(offsetof(struct moat_xdp_ctx, data) == 24, "uapi words first");
	MOAT_AUTO(free) struct moat_insn *in = malloc(prog->n * sizeof(*in));
	if (!in) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(in, prog->insns, prog->n * sizeof(*in));
	for (size_t i = 0; i < prog->n; i++) {
		if (!(use[i] & MOAT_CTXU_PTR))
			continue;
		in[i].code = MOAT_LDX | MOAT_MEM | MOAT_DW;
		in[i].off = ptr_slot(kind, in[i].off);
	}
	return moat_prog_clone_with(prog, in, err);
}

struct moat_exec *moat_exec_new(struct moat_vm *vm, const struct moat_prog *prog,
				const struct moat_exec_opts *opts, struct moat_error *err)
{
	enum moat_exec_mode mode = MOAT_OPTS_HAS(opts, moat_exec_opts, mode) ? opts->mode
									      : MOAT_EXEC_INTERP;
	bool unverified = MOAT_OPTS_HAS(opts, moat_exec_opts, unverified) && opts->unverified;
	bool harden = MOAT_OPTS_HAS(opts, moat_exec_opts, harden) && opts->harden;
	bool tracing = MOAT_OPTS_HAS(opts, moat_exec_opts, trace) && opts->trace.write;
	if (mode == MOAT_EXEC_JIT && tracing) {
		moat_error_set(err, EINVAL, "tracing needs the interpreter, not the JIT");
		return NULL;
	}
	if (mode != MOAT_EXEC_INTERP && mode != MOAT_EXEC_CHECKED && mode != MOAT_EXEC_JIT) {
		moat_error_set(err, EINVAL, "unknown execution mode %d", (int)mode);
		return NULL;
	}
	if (unverified && mode != MOAT_EXEC_CHECKED) {
		moat_error_set(err, EINVAL,
			       "unverified programs may only run in the checked interpreter");
		return NULL;
	}
	uint64_t mem_len = MOAT_OPTS_HAS(opts, moat_exec_opts, mem_len) ? opts->mem_len : 0;
	struct moat_verify_stats st = { 0 };
	MOAT_AUTO(free) uint8_t *use = NULL;
	uint8_t vmctx = unverified ? MOAT_VMCTX_NONE : vm_ctx_of(moat_prog_type(prog));
	if (vmctx && !(use = malloc(prog->n + 1))) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	if (!unverified) {
		MOAT_OPTS(moat_verify_opts, vo, .vm = vm, .mem_len = mem_len);
		if (MOAT_OPTS_HAS(opts, moat_exec_opts, verify_log)) {
			vo.log_level = opts->verify_log_level;
			vo.log = opts->verify_log;
		}
		if (moat_verify_ctx(prog, &vo, &st, use, err) < 0)
			return NULL;
	}
	struct moat_prog *own = NULL;
	if (vmctx) {
		if (!(own = ctx_rewrite(prog, vmctx, use, err)))
			return NULL;
		mem_len = vm_ctx_size(vmctx);
	}
	/*
	 * The unchecked loop and native code trust every pointer: only what
	 * the verifier proved memory safe may go there.  Its proof covers
	 * everything but direct reads of context fields of the kernel's
	 * types whose layout moat's VM does not rewrite (xdp's and the skb
	 * types' are rewritten above), so those programs stay in the checked
	 * interpreter.
	 */
	bool proven = MOAT_VERIFIER_PROVES_MEMORY_SAFETY && !unverified &&
		      (moat_prog_type(prog) == MOAT_PROG_MEM || own || st.ctx_accesses == 0);
	if (mode == MOAT_EXEC_JIT && !proven) {
		moat_prog_free(own);
		moat_error_set(err, EOPNOTSUPP,
			       "the JIT runs only programs whose memory safety the verifier proves "
			       "for moat's VM; this one reads context fields directly, so run it "
			       "in the interpreter");
		return NULL;
	}
	struct moat_exec *e = calloc(1, sizeof(*e));
	if (!e) {
		moat_prog_free(own);
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	e->vm = vm;
	e->prog = own ? own : prog;
	e->own_prog = own;
	e->mode = mode;
	e->mem_len = mem_len;
	e->verified = !unverified;
	e->vmctx = vmctx;
	if (MOAT_OPTS_HAS(opts, moat_exec_opts, trace))
		e->trace = opts->trace;
	e->checked = mode == MOAT_EXEC_CHECKED || e->trace.write || !proven;
	if (moat_interp_prepare(e, err) < 0 ||
	    (mode == MOAT_EXEC_JIT && moat_jit_compile(e, harden, err) < 0)) {
		moat_exec_free(e);
		return NULL;
	}
	return e;
}

int moat_exec_force_jit(struct moat_exec *exec, bool harden, struct moat_error *err)
{
	if (exec->checked) {
		moat_exec_force_unchecked(exec);
		if (exec->checked)
			return moat_error_set(err, ENOMEM, "out of memory");
	}
	int r = moat_jit_compile(exec, harden, err);
	if (r < 0)
		return r;
	exec->mode = MOAT_EXEC_JIT;
	return 0;
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
	moat_jit_free(exec->jit);
	free(exec->code);
	moat_prog_free(exec->own_prog);
	free(exec);
}

/* moat_exec_run with less input than the verifier assumed: out of line, so
 * the common path needs no stack frame. */
static __attribute__((cold, noinline)) int exec_run_short(struct moat_exec *exec, void *ctx,
							   size_t ctx_len, uint64_t *ret,
							   struct moat_error *err)
{
	if (moat_prog_type(exec->prog) == MOAT_PROG_MEM)
		return moat_error_set(err, EINVAL,
				      "the program was verified for %llu bytes of input; this run "
				      "has %zu", (unsigned long long)exec->mem_len, ctx_len);
	if (exec->vmctx)
		return moat_error_set(err, EINVAL,
				      "a%s %s program runs on a struct moat_%s_ctx (%zu bytes); "
				      "this run's context has %zu",
				      exec->vmctx == MOAT_VMCTX_XDP ? "n" : "",
				      moat_prog_type_name(moat_prog_type(exec->prog)),
				      exec->vmctx == MOAT_VMCTX_XDP ? "xdp" : "skb",
				      vm_ctx_size(exec->vmctx), ctx_len);
	if (exec->jit)
		return moat_jit_run(exec, ctx, ctx_len, ret, err);
	return moat_interp_run(exec, ctx, ctx_len, ret, err);
}

int moat_exec_run(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
		  struct moat_error *err)
{
	/* unchecked code trusts the buffer length the verifier assumed */
	if (__builtin_expect(!exec->checked && ctx_len < exec->mem_len, 0))
		return exec_run_short(exec, ctx, ctx_len, ret, err);
	const struct moat_jit *jit = exec->jit;
	if (!jit)
		return moat_interp_run(exec, ctx, ctx_len, ret, err);
	if (jit->bare) { /* verified, no calls: the code is the whole run */
		uint64_t r0 = ((moat_native_fn)jit->image)(ctx, ctx_len);
		if (ret)
			*ret = r0;
		return 0;
	}
	return moat_jit_run(exec, ctx, ctx_len, ret, err);
}

moat_native_fn moat_exec_native(const struct moat_exec *exec)
{
	return exec->jit && exec->jit->bare ? (moat_native_fn)exec->jit->image : NULL;
}

enum moat_exec_mode moat_exec_mode(const struct moat_exec *exec)
{
	return exec->mode;
}

const void *moat_exec_code(const struct moat_exec *exec, size_t *len)
{
	return moat_jit_code(exec->jit, len);
}

int moat_prog_array_set(struct moat_map *map, uint32_t idx, struct moat_exec *exec,
			struct moat_error *err)
{
	if (moat_map_type(map) != MOAT_MAP_PROG_ARRAY)
		return moat_error_set(err, EINVAL, "map '%s' is not a program array",
				      moat_map_name(map));
	return moat_prog_array_store(map, idx, exec, err);
}
