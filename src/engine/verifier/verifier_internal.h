/* Shared between the verifier's passes (src/engine/verifier/). */
#ifndef MOAT_ENGINE_VERIFIER_INTERNAL_H
#define MOAT_ENGINE_VERIFIER_INTERNAL_H

#include <moat/verify.h>
#include <moat/vm.h>

#include "engine/verifier/tnum.h"

/* Slot kinds the structural pass computes: */
enum { VK_LDDW_HI = 1, VK_FUNC_START = 2, VK_JUMP_TARGET = 4 };

/*
 * First pass: the program's structure (structure.c).  Fills kind[] (n + 1
 * entries, zeroed) and the number of functions.
 */
int moat_verify_structure(const struct moat_prog *prog, const struct moat_vm *vm, uint8_t *kind,
			  uint32_t *funcs, struct moat_error *err);

/*
 * Second pass, run on structurally valid programs: no register is read on
 * any path before it is written (r1, r10 and for MOAT_PROG_MEM r2 are set
 * on entry; r1-r5 on entry to a local function).  kind[] is the structural
 * pass's per-slot classification.
 */
int moat_verify_init_regs(const struct moat_prog *prog, const struct moat_vm *vm,
			  const uint8_t *kind, struct moat_error *err);

/* The first instruction no path reaches, -1 when there is none, -2 when
 * out of memory. */
long moat_verify_unreachable(const struct moat_prog *prog, const uint8_t *kind);

/* Registers instruction `in` reads (*use) and writes (*def), as bit sets. */
void moat_verify_insn_rw(const struct moat_insn *in, const struct moat_vm *vm, uint16_t *use,
			 uint16_t *def);

/*
 * Registers live before each instruction (read on some path before being
 * written), per function: live[i] bit r.  Returns NULL when out of memory.
 */
uint16_t *moat_verify_liveness(const struct moat_prog *prog, const struct moat_vm *vm,
			       const uint8_t *kind);

/*
 * Registers whose value may matter for safety before each instruction (see
 * init_regs.c); pruning ignores the ranges of the other scalars.
 * main_r0_checked: the program type limits the return value.
 */
uint16_t *moat_verify_precision(const struct moat_prog *prog, const struct moat_vm *vm,
				const uint8_t *kind, bool main_r0_checked);

/* ---------------------------------------------------------------- state */

enum vtype {
	V_NOT_INIT,
	V_SCALAR,
	V_CTX,          /* the program's context */
	V_STACK,        /* a frame's stack; off relative to that frame's r10 */
	V_MEM,          /* MOAT_PROG_MEM's buffer: size bytes */
	V_MAP_PTR,      /* a map (lddw pseudo map) */
	V_MAP_VALUE,    /* size = the map's value size */
	V_MAP_VALUE_OR_NULL,
	V_PKT,          /* packet data; range = bytes proven inside the packet */
	V_PKT_END,
	V_PKT_META,
	V_RINGBUF_REC,  /* a reserved ring-buffer record of size bytes; ref holds it */
	V_RINGBUF_REC_OR_NULL,
	V_TYPE_COUNT
};

/*
 * One register (or spilled stack slot).  Scalars: the value is var with
 * bounds.  Pointers: base + off + var, where var (with its bounds) is the
 * variable part of the offset.
 */
struct vreg {
	uint8_t type;         /* enum vtype */
	uint8_t frame;        /* V_STACK: the frame whose stack it points into */
	uint8_t lost;         /* V_NOT_INIT: why (VLOST_*), origin says where */
	int32_t off;          /* pointers: constant offset */
	struct tnum var;
	int64_t smin, smax;
	uint64_t umin, umax;
	uint32_t id;          /* *_OR_NULL: copies share it for the NULL check; V_PKT: var identity */
	uint32_t ref;         /* V_RINGBUF_REC*: the reference to release */
	uint32_t range;       /* V_PKT: bytes from base+off+var proven inside the packet */
	uint32_t size;        /* V_MEM, V_MAP_VALUE*, V_RINGBUF_REC*: region size */
	const struct moat_map *map; /* V_MAP_PTR, V_MAP_VALUE* */
	int32_t origin;       /* the instruction that produced a pointer, for messages */
};

/* Why a register holds nothing: */
enum { VLOST_NEVER, VLOST_CALL, VLOST_RELEASED };

/* Stack byte kinds. */
enum { SB_INVALID, SB_MISC, SB_ZERO, SB_SPILL };

struct vframe {
	struct vreg regs[MOAT_NREGS];
	uint32_t callsite;    /* the call instruction (frames above 0) */
	uint32_t func_start;
	uint16_t depth;       /* bytes of stack allocated (multiple of 8) */
	uint8_t *bytes;       /* depth entries; bytes[b] describes r10 - 1 - b */
	struct vreg *spill;   /* depth / 8 entries; slot s = bytes 8s..8s+7 */
};

/* Slot s holds a spilled register: 8 bytes (any register) or, for scalars,
 * 4 aligned bytes of it; those bytes are SB_SPILL. */
static inline bool vslot_spilled(const struct vframe *f, int s)
{
	for (int k = 0; k < 8; k++)
		if (f->bytes[s * 8 + k] == SB_SPILL)
			return true;
	return false;
}

#define VMAX_REFS 16
#define VHIST 24

struct vref {
	uint32_t id;
	int32_t insn; /* where it was acquired */
};

struct vstate {
	struct vframe *frames[MOAT_MAX_FRAMES];
	uint8_t nframes;
	uint8_t nrefs;
	struct vref refs[VMAX_REFS];
	/* the last VHIST jumps taken on this path, for messages */
	uint32_t hist_from[VHIST], hist_to[VHIST];
	uint32_t nhist; /* total jumps taken (the ring holds the last VHIST) */
	/* pruning bookkeeping: stored states form a tree via parent */
	struct vstate *parent;
	uint32_t branches; /* paths still being explored below this state */
	int32_t insn;      /* stored states: where */
};

/* The verifier's environment for one moat_verify() call. */
struct venv {
	const struct moat_prog *prog;
	const struct moat_insn *in;
	size_t n;
	const struct moat_vm *vm;
	const uint8_t *kind;
	const uint16_t *live;
	const uint16_t *prec;
	enum moat_prog_type type;
	bool kernel_rules;
	uint64_t mem_len;
	uint64_t max_insns;
	int log_level;
	struct moat_sink log;
	struct moat_error *err;
	uint32_t next_id;
	struct moat_verify_stats stats;
	uint16_t *func_depth; /* per function start insn: deepest stack used */
	uint8_t *ctx_use;     /* per insn: MOAT_CTXU_* bits of the memory it accessed */
};

/* state.c */
struct vstate *vstate_new(void);
struct vstate *vstate_copy(const struct vstate *s);
void vstate_free(struct vstate *s);
struct vframe *vframe_new(uint32_t callsite, uint32_t func_start);
/* Grows frame f's stack to at least depth bytes (multiple of 8); false: OOM. */
bool vframe_grow(struct vframe *f, uint32_t depth);
/* Calls fn on every register and spilled register of every frame. */
void vstate_for_each_reg(struct vstate *s, void (*fn)(struct vreg *, void *), void *arg);
/* Does old cover cur (every concrete state of cur is one of old), looking
 * only at registers live at insn?  exact: old and cur are the same. */
bool vstate_covers(const struct venv *env, const struct vstate *old, const struct vstate *cur,
		   bool exact);
/* Formats a register ("scalar [0, 255]", "map_value(size 8) off 4", ...). */
int vreg_str(const struct vreg *r, char *buf, size_t len);
/* Writes the state (every initialised register and stack slot) to the log. */
void vstate_log(const struct venv *env, const struct vstate *s, const char *prefix);
const char *vtype_name(enum vtype t);

/* scalar.c */
void vreg_mark_unknown(struct vreg *r);
void vreg_mark_const(struct vreg *r, uint64_t v);
void vreg_mark_not_init(struct vreg *r);
/* Bounds of a scalar of `size` bytes loaded from memory (signed: sign-extended). */
void vreg_mark_loaded(struct vreg *r, unsigned size, bool sign);
void vreg_sync(struct vreg *r);
bool vreg_is_const(const struct vreg *r);
/*
 * dst = dst op src for scalars (ALU op code, 64- or 32-bit, off as in the
 * instruction for sdiv/smod/movsx).  Sound for every op: unknown results
 * become unknown.
 */
void vscalar_alu(struct vreg *dst, const struct vreg *src, unsigned op, int16_t off, bool is64);
void vscalar_bswap(struct vreg *dst, unsigned width, bool swap);
/*
 * The outcome of `dst op src` for a conditional jump: 1 always taken, 0
 * never, -1 unknown.  Scalars only.
 */
int vscalar_branch(const struct vreg *dst, const struct vreg *src, unsigned op, bool is64);
/* Narrows dst and src to the values for which the jump is (taken) or not;
 * false when no value makes it so (the branch is dead). */
bool vscalar_refine(struct vreg *dst, struct vreg *src, unsigned op, bool is64, bool taken);

/* ctx.c: the context layout of a program type. */
struct vctx_field {
	enum vtype type; /* what a load gives: V_SCALAR, V_PKT, V_PKT_END, V_PKT_META */
	bool writable;
};
/* Checks a ctx access of size bytes at offset off; fills *f on success,
 * else formats why into why. */
bool vctx_access(const struct venv *env, int64_t off, unsigned size, bool write,
		 struct vctx_field *f, char *why, size_t why_len);
/* ctx_skb.c: vctx_access for struct __sk_buff (socket, tc, cgroup_skb). */
bool vctx_skb_access(const struct venv *env, int64_t off, unsigned size, bool write,
		     struct vctx_field *f, char *why, size_t why_len);
/* The context's size in bytes (for messages and helper arguments). */
uint32_t vctx_size(const struct venv *env);
/* Program types whose context carries packet data (direct access). */
bool vctx_has_packet(enum moat_prog_type type);
/* Program types that may use LD_ABS / LD_IND. */
bool vctx_has_ld_abs(enum moat_prog_type type);

/* check.c: the abstract interpreter over all paths. */
int moat_verify_analyze(struct venv *env);

#endif
