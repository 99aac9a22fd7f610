/*
 * The VM: a helper registry plus a print sink, in which programs are made
 * executable (verified, then pre-decoded for the interpreter or compiled by
 * the JIT) and run.
 */
#ifndef MOAT_VM_H
#define MOAT_VM_H

#include <moat/prog.h>
#include <moat/helper.h>
#include <moat/map.h>

struct moat_vm_opts {
	size_t sz;
	struct moat_sink print;  /* trace_printk output; dropped when write is NULL */
	bool no_kernel_helpers;  /* start with an empty helper registry */
};

/* Creates a VM with the kernel helpers registered (unless told otherwise).
 * opts may be NULL.  Free with moat_vm_free() after every exec made in it. */
MOAT_API struct moat_vm *moat_vm_new(const struct moat_vm_opts *opts, struct moat_error *err);
MOAT_API void moat_vm_free(struct moat_vm *vm);

/*
 * Registers (or replaces) helper `id`.  `proto` is copied (its name too);
 * `user` is handed to fn through moat_call_user().
 */
MOAT_API int moat_vm_add_helper(struct moat_vm *vm, uint32_t id,
				const struct moat_helper_proto *proto, moat_helper_fn fn,
				void *user, struct moat_error *err);

/* The prototype of helper `id`, or NULL when not registered.  Owned by vm. */
MOAT_API const struct moat_helper_proto *moat_vm_helper_proto(const struct moat_vm *vm,
							      uint32_t id);

/*
 * What r1 points to when an xdp program runs in moat's VM.  The program
 * reads struct xdp_md as it would in the kernel; for verified programs moat
 * rewrites the loads of data, data_end and data_meta to read the pointers
 * kept here, as the kernel's convert_ctx_access does with struct xdp_buff,
 * so they run unchecked or as native code.  Pass sizeof(struct
 * moat_xdp_ctx) as ctx_len; the packet may be written in place.
 */
struct moat_xdp_ctx {
	uint32_t md[6]; /* struct xdp_md: md[3] ingress_ifindex, md[4] rx_queue_index,
			 * md[5] egress_ifindex; md[0..2] are not read */
	void *data, *data_end, *data_meta;
};

/* Points c at `len` bytes of packet at `pkt`, with no metadata and the
 * other fields zero. */
static inline void moat_xdp_ctx_init(struct moat_xdp_ctx *c, void *pkt, size_t len)
{
	*c = (struct moat_xdp_ctx){ .data = pkt, .data_end = (char *)pkt + len, .data_meta = pkt };
}

enum moat_exec_mode {
	MOAT_EXEC_INTERP,  /* pre-decoded threaded interpreter, no per-access checks */
	MOAT_EXEC_CHECKED, /* interpreter that bounds-checks every memory access */
	MOAT_EXEC_JIT,     /* x86-64 native code */
};

struct moat_exec_opts {
	size_t sz;
	enum moat_exec_mode mode;
	bool unverified;        /* skip moat_verify(); only allowed with MOAT_EXEC_CHECKED */
	bool harden;            /* JIT: blind constants */
	uint64_t mem_len;       /* MOAT_PROG_MEM: length of the buffer r1 will point to */
	struct moat_sink trace; /* interpreter: one line per executed instruction */
	int verify_log_level;   /* 0, 1 or 2, written to verify_log */
	struct moat_sink verify_log;
};

/*
 * Makes `prog` executable in `vm`: verifies it (the error names the
 * instruction and the rule), then prepares the chosen mode.  prog and vm
 * must outlive the exec.  Free with moat_exec_free().
 */
MOAT_API struct moat_exec *moat_exec_new(struct moat_vm *vm, const struct moat_prog *prog,
					 const struct moat_exec_opts *opts,
					 struct moat_error *err);
MOAT_API void moat_exec_free(struct moat_exec *exec);

/*
 * Runs the program once.  For MOAT_PROG_MEM, r1 = ctx and r2 = ctx_len;
 * otherwise r1 = ctx, the type's context structure, and packet data are
 * what it points to.  *ret receives r0.  Returns 0, or a negative error
 * when the checked interpreter catches a fault (the message names the
 * instruction) or a helper aborts the run.
 */
MOAT_API int moat_exec_run(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
			   struct moat_error *err);

/* The mode the exec runs in. */
MOAT_API enum moat_exec_mode moat_exec_mode(const struct moat_exec *exec);

/* A program compiled to a plain C function: fn(ctx, ctx_len) returns r0. */
typedef uint64_t (*moat_native_fn)(void *ctx, size_t ctx_len);

/*
 * The native function of a JIT exec whose run needs nothing but its code
 * (verified, no helper or local calls, no legacy packet loads): calling it
 * is exactly moat_exec_run() minus its checks, the fastest way to run a
 * filter in a loop.  NULL for every other exec.  The caller keeps
 * moat_exec_run()'s contract: ctx_len at least the mem_len the program
 * was verified for; the exec outlives the calls.
 */
MOAT_API moat_native_fn moat_exec_native(const struct moat_exec *exec);

/* JIT only: the native code and its size, owned by exec; NULL otherwise. */
MOAT_API const void *moat_exec_code(const struct moat_exec *exec, size_t *len);

/* Stores `exec` at index idx of a MOAT_MAP_PROG_ARRAY map (tail-call target);
 * exec == NULL clears the slot.  The exec must outlive its use in the map. */
MOAT_API int moat_prog_array_set(struct moat_map *map, uint32_t idx, struct moat_exec *exec,
				 struct moat_error *err);

#endif
