/*
 * Shared by the JIT's compiler (jit.c, jit_insn.c) and its runtime
 * (jit_run.c): the run structure native code addresses through r12, the
 * status codes it leaves there, and the compiler's state.
 */
#ifndef MOAT_ENGINE_JIT_INTERNAL_H
#define MOAT_ENGINE_JIT_INTERNAL_H

#include <stddef.h>

#include "engine/exec_internal.h"
#include "engine/jit/x86_emit.h"

/* Why native code returned to the C trampoline (moat_jit_run.status). */
enum jit_status {
	JIT_OK = 0,       /* the program exited; r0 is the return value */
	JIT_TAIL = 1,     /* the tail-call helper succeeded: run call.tail_to next */
	JIT_ERR_DEPTH,    /* local calls nested deeper than MOAT_MAX_FRAMES (err_insn) */
	JIT_ERR_CALLX,    /* callx named an unregistered helper (err_insn, callx_id) */
	JIT_ERR_OFF_END,  /* control left the program */
};

/*
 * One run of native code.  r12 holds &run->call for the whole run, so the
 * JIT's own fields sit at small negative displacements from it and the
 * helpers' struct moat_call is simply r12 (their sixth argument).
 */
struct moat_jit_run {
	uint64_t entry_rsp; /* rsp after the entry's pushes: unwinding restores it (subprograms only) */
	uint64_t ctx;       /* the run's input (legacy packet loads read it) */
	uint64_t ctx_len;
	uint64_t r1;        /* r1 at the last tail call or callx: the next program's r1 */
	uint64_t callx_id;  /* the helper id callx asks for */
	int32_t status;     /* enum jit_status */
	int32_t depth;      /* local-call depth, 0 in the main function */
	int32_t err_insn;   /* the instruction an error status is about */
	int32_t pad;
	uint64_t *ret;      /* the caller's: where r0 goes */
	struct moat_error *err;
	struct moat_call call;
};

/* Displacement of a moat_jit_run field from r12 (= &run->call). */
#define JR(f) ((int32_t)offsetof(struct moat_jit_run, f) - (int32_t)offsetof(struct moat_jit_run, call))
/* Displacement of a moat_call field from r12. */
#define JC(f) ((int32_t)offsetof(struct moat_call, f))

_Static_assert(offsetof(struct moat_jit_run, call) <= 120, "run fields reachable with disp8");

/* The native entry: rdi = &run->call, rsi = r1, rdx = r2; returns r0. */
typedef uint64_t (*moat_jit_entry_fn)(struct moat_call *call, uint64_t r1, uint64_t r2);

/* An exec's native code: an RX mapping of `size` bytes (map_len mapped). */
struct moat_jit {
	void *image;
	size_t size, map_len;
	moat_jit_entry_fn entry;
	bool light; /* the code reads no run field but status: runs skip the rest */
	bool bare;  /* the image is a moat_native_fn (struct jit's bare) */
};

/* Labels of the image's shared stubs. */
enum jit_label {
	L_STUB_EXIT, /* entry stub epilogue: restore the caller's registers, ret */
	L_OFF_END,   /* control left the program */
	L_TAIL,      /* a tail call is pending */
	L_DEPTH,     /* local calls nest too deep */
	L_PKT_OUT,   /* legacy packet load outside the packet: r0 = 0, exit */
	L_UNWIND,    /* reset rsp to the entry stub's frame and leave */
	L_COUNT
};

/*
 * The compiler's state.  Code is emitted in passes: the first with every
 * jump in its long form, each later one with the instruction addresses of
 * the pass before (jumps that fit become short).  Sizes only shrink, so the
 * passes converge; the pass whose size equals the previous one's has every
 * displacement right and is the image.
 */
struct jit {
	struct x86_buf b;
	const struct moat_exec *e;   /* prog and vm */
	const struct moat_insn *in;
	size_t n;
	uint32_t *start, *prev;      /* [n + 1] code offset of each instruction, this/previous pass */
	uint8_t *is_func;            /* [n] a function starts here (main or a local-call target) */
	/* What the program needs, found before the first pass: */
	uint16_t used;               /* eBPF registers it names (bit r) */
	bool main_inline;            /* no local call targets insn 0: main runs in the entry's frame */
	bool main_frame;             /* main_inline: r10 is used, main gets rbp and 512 bytes */
	uint8_t saved[4];            /* x86 registers of the r6-r9 it uses */
	int nsaved;
	bool pad;                    /* main_inline: 8 bytes that keep rsp 16-byte aligned */
	bool in_main;                /* emitting function 0 */
	bool subprogs;               /* there are local-call targets: unwinding must reset rsp */
	bool light;                  /* no calls and no packet loads of the run's input: the
				      * run needs no context */
	bool ld_pkt;                 /* LD_ABS/LD_IND somewhere */
	bool bare;                   /* light and verified: nothing but the program's own code
				      * (no run pointer, no register zeroing, no stubs) */
	uint32_t lbl[L_COUNT], prev_lbl[L_COUNT];
	bool first;                  /* first pass: no addresses known yet */
	size_t cur;                  /* instruction being emitted; SIZE_MAX for the entry stub */
	bool harden;
	uint64_t seed, rnd;          /* constant blinding: the same sequence every pass */
	struct moat_error *err;
};

/* BPF register -> x86 register. */
extern const uint8_t jit_reg[MOAT_NREGS];

/* Bytes of a function prologue: push rbp; mov rbp, rsp; sub rsp, 512. */
#define JIT_PROLOGUE_SIZE 11

/* Emitting (jit_insn.c): one eBPF instruction at index i; returns the
 * number of instruction slots it used (2 for lddw) or a negative error. */
int jit_emit_insn(struct jit *j, size_t i);
/* Jumps: to instruction `target` (its code, after any prologue) or to a stub label. */
void jit_jcc_insn(struct jit *j, int cc, size_t target);
void jit_jcc_label(struct jit *j, int cc, enum jit_label l);
/* main_inline: the epilogue of the entry's frame (restores the caller's
 * registers, returns r0); valid at main's exits and after unwinding. */
void jit_main_epilogue(struct jit *j);
/* The next blinding value. */
uint32_t jit_rand(struct jit *j);

/* The runtime (jit_run.c): callx goes through this shim. */
uint64_t moat_jit_callx(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct moat_call *call);

#endif
