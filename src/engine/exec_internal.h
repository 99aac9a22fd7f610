/*
 * The VM, exec and call objects' layouts, shared by vm.c, exec.c, interp.c
 * and helpers.c.  Nothing here is exported.
 */
#ifndef MOAT_ENGINE_EXEC_INTERNAL_H
#define MOAT_ENGINE_EXEC_INTERNAL_H

#include <moat/vm.h>
#include <moat/verify.h>

#include "engine/prog_internal.h"

/*
 * What each load or store accessed on the paths the verifier walked: the
 * context, other memory, or a packet-pointer field of the context (the
 * loads moat rewrites for its VM's context layouts).
 */
enum { MOAT_CTXU_CTX = 1, MOAT_CTXU_OTHER = 2, MOAT_CTXU_PTR = 4 };

/* moat_verify, also filling use[i] (prog's length, zeroed here) when use
 * is not NULL. */
int moat_verify_ctx(const struct moat_prog *prog, const struct moat_verify_opts *opts,
		    struct moat_verify_stats *stats, uint8_t *use, struct moat_error *err);

/* The tail-call limit, as the kernel's MAX_TAIL_CALL_CNT. */
#define MOAT_MAX_TAIL_CALLS 33

struct moat_helper_entry {
	uint32_t id;
	struct moat_helper_proto proto; /* name points at name_buf */
	char name_buf[64];
	moat_helper_fn fn;
	void *user;
};

struct moat_vm {
	struct moat_sink print;
	struct moat_helper_entry *helpers; /* sorted by id */
	size_t n_helpers;
	uint64_t prandom; /* get_prandom_u32 state: per VM, never global */
};

/* One pre-decoded instruction: the dispatch label of its handler, the
 * register fields, and a 64-bit operand (sign-extended imm, lddw value,
 * jump target address, helper id) computed once at exec creation. */
struct moat_dinsn {
	const void *op;
	uint8_t dst, src;
	int16_t off;
	int32_t imm;
	uint64_t k;
};

struct moat_exec {
	struct moat_vm *vm;
	const struct moat_prog *prog;
	enum moat_exec_mode mode;
	bool checked;      /* run the bounds-checking loop */
	bool verified;     /* moat_verify accepted the program */
	struct moat_sink trace;
	uint64_t budget;   /* checked runs: instruction limit; 0 = the default */
	uint64_t mem_len;  /* MOAT_PROG_MEM: the input length the verifier assumed */
	struct moat_dinsn *code; /* prog->n entries (lddw's second slot unused) */
	size_t n;
	/* MOAT_EXEC_JIT: native code (NULL otherwise).  A JIT exec keeps its
	 * unchecked pre-decoding too: an interpreted program may tail-call it. */
	struct moat_jit *jit;
	/* a rewritten copy of the program that prog points to (xdp or skb
	 * context layout), freed with the exec; NULL when prog is the caller's */
	struct moat_prog *own_prog;
	/* the context the exec runs on: MOAT_VMCTX_XDP and _SKB for verified
	 * programs of those types (r1 = struct moat_xdp_ctx / moat_skb_ctx;
	 * skb: LD_ABS/LD_IND read the packet of the context in r6) */
	uint8_t vmctx;
};

enum { MOAT_VMCTX_NONE, MOAT_VMCTX_XDP, MOAT_VMCTX_SKB };

/* A memory region a checked run may touch. */
struct moat_region {
	uintptr_t lo, hi; /* [lo, hi) */
	bool ringbuf;     /* a reserved ring-buffer record (released by submit/discard) */
};

/* A run in progress: what helpers see through struct moat_call. */
struct moat_call {
	struct moat_vm *vm;
	struct moat_exec *exec;    /* the program running now (changes on tail calls) */
	void *user;                /* the current helper's user pointer */
	uint32_t tail_calls;       /* tail calls taken so far */
	struct moat_exec *tail_to; /* set by tail_call: switch programs after the helper */
	bool checked;
	/* checked mode: regions beyond the stack and ctx */
	struct moat_region *regions; /* inline_regions until more are needed */
	size_t n_regions, cap_regions;
	struct moat_region inline_regions[8];
	bool oom;
};

/* Records a region the program may access (checked runs only). */
void moat_call_add_region(struct moat_call *call, const void *p, uint64_t len, bool ringbuf);
/* Forgets the ring-buffer record at p (submitted or discarded). */
void moat_call_drop_region(struct moat_call *call, const void *p);

/* Registers the kernel helpers (helpers.c). */
int moat_vm_add_kernel_helpers(struct moat_vm *vm, struct moat_error *err);
/* The registry entry for helper id, or NULL (vm.c). */
const struct moat_helper_entry *moat_vm_helper(const struct moat_vm *vm, uint32_t id);

/* Interpreter (interp.c): pre-decodes prog into exec->code; runs it. */
int moat_interp_prepare(struct moat_exec *exec, struct moat_error *err);
int moat_interp_run(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
		    struct moat_error *err);

/*
 * The verifier proves memory safety (src/engine/verifier/), so verified
 * programs run unchecked or as native code.  Setting this to 0 sends every
 * program to the checked interpreter and disables the JIT.
 */
#define MOAT_VERIFIER_PROVES_MEMORY_SAFETY 1

/* Tests only: switch an exec to the unchecked loop regardless of the verifier. */
void moat_exec_force_unchecked(struct moat_exec *exec);

/*
 * Tests, fuzzers and benchmarks only: compile an exec (made in any mode) to
 * native code and run it there from now on, regardless of the verifier.
 * Native code does no bounds checks: only programs known to be memory safe
 * may be forced.  On failure the exec is unchanged.
 */
int moat_exec_force_jit(struct moat_exec *exec, bool harden, struct moat_error *err);

/* The x86-64 JIT (jit/).  moat_jit_compile turns exec->prog (with
 * exec->code pre-decoded) into exec->jit; moat_jit_run runs it as
 * moat_interp_run runs the interpreter. */
struct moat_jit;
int moat_jit_compile(struct moat_exec *exec, bool harden, struct moat_error *err);
int moat_jit_run(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
		 struct moat_error *err);
void moat_jit_free(struct moat_jit *jit);
/* The native code of jit (owned by it) and its length; NULL when jit is NULL. */
const void *moat_jit_code(const struct moat_jit *jit, size_t *len);
/*
 * For display (moat bpf jit): translates prog into a plain malloc'd buffer
 * that is never made executable (the caller verifies first if it wants to
 * know whether the program may run).  The caller frees *code.
 */
int moat_jit_image(struct moat_vm *vm, const struct moat_prog *prog, bool harden, uint8_t **code,
		   size_t *len, struct moat_error *err);

#endif
