/*
 * The interpreter: programs are pre-decoded once into threaded code (one
 * handler address per instruction, operands pre-computed, lddw maps
 * resolved, jump targets as addresses) and run by the loop in
 * interp_loop.h, which is compiled twice: unchecked, and checked (bounds on
 * every access, helper arguments checked against their prototypes, an
 * instruction budget, tracing).  The unchecked loop is moat_interp_run
 * itself and gets specialised handlers (interp_fuse.c): superinstructions
 * and r0 kept in a machine register.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/asm.h>

#include "engine/exec_internal.h"
#include "util/cleanup.h"
#include "engine/isa.h"
#include "engine/map_internal.h"
#include "engine/interp_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter assumes a little-endian host (le = truncate, be = swap)"
#endif

/* Checked runs stop after this many instructions: the structural verifier
 * does not prove termination. */
#define INTERP_BUDGET 4000000000ull

struct interp_frame {
	const struct moat_dinsn *ret;
	uint64_t saved[4]; /* r6-r9 */
};

/* moat_interp_run(NULL, resume, ...): the decoder asking for the fast
 * loop's labels (exec NULL), or interp_chain resuming a chain that
 * tail-called an unchecked program. */
struct interp_resume {
	const void *const *labels;
	struct moat_exec *exec;
	void *ctx;
	size_t ctx_len;
	struct interp_run *run;
};

struct interp_trace {
	struct moat_sink sink;
	const struct moat_exec *exec;
	uint64_t prev[MOAT_NREGS];
	long prev_idx;
};

struct interp_run {
	struct moat_call call;
	uint64_t regs[MOAT_NREGS];
	size_t pc;
	uint64_t budget;
	uint32_t helper_id;
	void *ctx;
	size_t ctx_len;
	struct interp_trace *trace;
	uint8_t *stack_top; /* the fast loop's r10, when interp_chain resumes it */
};

static bool interp_access_ok(const struct moat_call *c, uintptr_t a, uint64_t len)
{
	for (size_t i = 0; i < c->n_regions; i++)
		if (a >= c->regions[i].lo && a < c->regions[i].hi && len <= c->regions[i].hi - a)
			return true;
	return false;
}

static int interp_fault(struct interp_run *run, const struct moat_dinsn *code,
			const struct moat_dinsn *I, uintptr_t a, uint64_t len,
			struct moat_error *err)
{
	if (len > 1 && (a & (len - 1)) && interp_access_ok(&run->call, a, len))
		return moat_error_insn(err, EFAULT, I - code,
				       "misaligned %" PRIu64 "-byte atomic access at 0x%" PRIxPTR,
				       len, a);
	return moat_error_insn(err, EFAULT, I - code,
			       "out-of-bounds %" PRIu64 "-byte access at 0x%" PRIxPTR
			       " (not the stack, the input, a map value or a ring-buffer record)",
			       len, a);
}

/* Legacy packet load: big-endian value of `bytes` bytes at packet offset
 * off into *v; false when out of the packet. */
static bool interp_ld_pkt(const void *ctx, size_t ctx_len, uint32_t off, unsigned bytes,
			  uint64_t *v)
{
	if (off > ctx_len || bytes > ctx_len - off)
		return false;
	const uint8_t *p = (const uint8_t *)ctx + off;
	*v = 0;
	for (unsigned i = 0; i < bytes; i++)
		*v = *v << 8 | p[i];
	return true;
}

/* The same in an skb exec: the packet is [data, data_end) of the context
 * in r6 (the verifier checked that r6 holds it). */
static inline bool interp_ld_skb(uint64_t r6, uint32_t off, unsigned bytes, uint64_t *v)
{
	const struct moat_skb_ctx *s = (const void *)(uintptr_t)r6;
	size_t len = s->data_end > s->data ? (size_t)((char *)s->data_end - (char *)s->data) : 0;
	return interp_ld_pkt(s->data, len, off, bytes, v);
}

/* The helpers' view of an unchecked run, set up at its first helper call. */
static void interp_call_init(struct moat_call *c, struct moat_exec *exec)
{
	c->vm = exec->vm;
	c->exec = exec;
	c->user = NULL;
	c->tail_calls = 0;
	c->tail_to = NULL;
	c->checked = false;
	c->regions = c->inline_regions;
	c->n_regions = 0;
	c->cap_regions = MOAT_ARRAY_SIZE(c->inline_regions);
	c->oom = false;
}

static bool is_prog_map(const struct moat_exec *e, uint64_t v)
{
	for (size_t i = 0; i < e->prog->n_maps; i++)
		if ((uintptr_t)e->prog->maps[i] == v)
			return true;
	return false;
}

/*
 * Checked runs of unverified programs: before a helper sees its arguments,
 * each pointer argument must lie in memory the run owns, with the size its
 * prototype implies, and map arguments must be maps of the program.
 */
static int interp_check_args(struct interp_run *run, const struct moat_helper_entry *h, long idx,
			     struct moat_error *err)
{
	const uint64_t *R = run->regs;
	const struct moat_call *c = &run->call;
	struct moat_map *map = NULL;
	for (int a = 0; a < 5; a++) {
		uint64_t v = R[a + 1];
		uint64_t len = 0;
		bool ptr = false;
		switch (h->proto.args[a]) {
		case MOAT_ARG_CONST_MAP_PTR:
			if (!is_prog_map(c->exec, v))
				goto bad;
			map = (struct moat_map *)(uintptr_t)v;
			break;
		case MOAT_ARG_PTR_TO_MAP_KEY:
		case MOAT_ARG_PTR_TO_MAP_VALUE:
			if (!map)
				goto bad;
			ptr = true;
			len = h->proto.args[a] == MOAT_ARG_PTR_TO_MAP_KEY ? moat_map_key_size(map)
									 : moat_map_value_size(map);
			break;
		case MOAT_ARG_PTR_TO_MEM:
		case MOAT_ARG_PTR_TO_UNINIT_MEM:
			len = a < 4 ? R[a + 2] : 0;
			ptr = len > 0;
			break;
		case MOAT_ARG_PTR_TO_CTX:
			if (v != (uintptr_t)run->ctx)
				goto bad;
			break;
		case MOAT_ARG_PTR_TO_RINGBUF_REC: {
			bool found = false;
			for (size_t i = 0; i < c->n_regions; i++)
				found |= c->regions[i].ringbuf && c->regions[i].lo == v;
			if (!found)
				goto bad;
			break;
		}
		case MOAT_ARG_NONE:
		case MOAT_ARG_ANYTHING:
		case MOAT_ARG_CONST_SIZE:
		case MOAT_ARG_CONST_SIZE_OR_ZERO:
		case MOAT_ARG_CONST_ALLOC_SIZE:
			break;
		}
		if (ptr && !interp_access_ok(c, (uintptr_t)v, len))
			goto bad;
		continue;
bad:
		return moat_error_insn(err, EFAULT, idx,
				       "argument %d of helper %s (r%d = 0x%" PRIx64
				       ") is not what its prototype requires",
				       a + 1, h->proto.name, a + 1, v);
	}
	return 0;
}

/* Emits the trace line of the previous instruction (with the registers it
 * changed) and remembers the state before instruction I (NULL at exit). */
static void interp_trace_step(struct interp_run *run, const struct moat_dinsn *code,
			      const struct moat_dinsn *I)
{
	struct interp_trace *t = run->trace;
	if (t->prev_idx >= 0) {
		char dis[128], line[512];
		const struct moat_prog *p = t->exec->prog;
		if (moat_disasm_insn(p->insns, p->n, (size_t)t->prev_idx, MOAT_SYNTAX_MOAT, dis,
				     sizeof(dis)) < 0 && !dis[0])
			snprintf(dis, sizeof(dis), "?");
		int n = snprintf(line, sizeof(line), "%5ld: %s", t->prev_idx, dis);
		for (int r = 0, first = 1; r < MOAT_NREGS && n < (int)sizeof(line) - 64; r++) {
			if (run->regs[r] == t->prev[r])
				continue;
			if (first && n < 40)
				n += snprintf(line + n, sizeof(line) - (size_t)n, "%*s", 40 - n, "");
			first = 0;
			n += snprintf(line + n, sizeof(line) - (size_t)n, " r%d=0x%" PRIx64, r,
				      run->regs[r]);
		}
		if (n < (int)sizeof(line) - 1)
			line[n++] = '\n';
		t->sink.write(t->sink.arg, line, (size_t)n);
	}
	t->prev_idx = I ? (long)(I - code) : -1;
	memcpy(t->prev, run->regs, sizeof(t->prev));
}

static int interp_chain(struct interp_run *run, uint8_t *stack, size_t stack_len, uint64_t *ret,
			struct moat_error *err);
static int interp_run_checked(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
			      struct moat_error *err);
static void interp_run_init(struct interp_run *run, const struct moat_exec *exec, void *ctx,
			    size_t ctx_len);

/* GCC: global CSE hoists and merges loads across the handlers, which hurts
 * a threaded loop. */
#if defined(__GNUC__) && !defined(__clang__)
#define INTERP_LOOP_ATTRS __attribute__((hot, optimize("no-gcse")))
#define INTERP_NO_MEMSET __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define INTERP_LOOP_ATTRS __attribute__((hot))
#define INTERP_NO_MEMSET
#endif

/* Zeroes one frame of stack (checked runs) with wide stores: for 512
 * bytes, the rep stos a memset becomes costs more than a small program. */
typedef uint64_t interp_v2 __attribute__((vector_size(16), may_alias));
INTERP_NO_MEMSET
static void interp_zero_frame(uint8_t *p)
{
	for (size_t i = 0; i < MOAT_STACK_SIZE; i += sizeof(interp_v2))
		*(interp_v2 *)(void *)(p + i) = (interp_v2){ 0, 0 };
}

#define CHECKED 0
#define LOOP_FN moat_interp_run
#include "engine/interp_loop.h"
#undef CHECKED
#undef LOOP_FN
#define CHECKED 1
#define LOOP_FN interp_loop_checked
#include "engine/interp_loop.h"
#undef CHECKED
#undef LOOP_FN

/* The handler number of an ALU/ALU64 instruction, from isa.def. */
static int decode_alu(const struct moat_insn *in)
{
	bool is64 = MOAT_CLASS(in->code) == MOAT_ALU64, x = MOAT_SRC(in->code) == MOAT_X;
	unsigned op = MOAT_OP(in->code);
	if (op == MOAT_END) {
		int w = in->imm == 16 ? 0 : in->imm == 32 ? 1 : in->imm == 64 ? 2 : -1;
		if (w < 0)
			return OP_INVALID;
		if (is64 || x) /* ALU64|END: bswap; ALU|END|TO_BE: swap on a little-endian host */
			return OP_swap16 + w;
		return OP_le16 + w;
	}
	int base = -1;
	int k = 0;
#define ALU(n64, n32, aop, aoff, e64, e32)           \
	if (op == (aop) && in->off == (aoff))       \
		base = k;                           \
	k += 4;
#include "engine/isa.def"
	if (base < 0)
		return OP_INVALID;
	return OP_INVALID + 1 + base + (is64 ? 0 : 2) + (x ? 1 : 0);
}

static int decode_jmp(const struct moat_insn *in, size_t i, uint64_t *k)
{
	unsigned op = MOAT_OP(in->code);
	bool j32 = MOAT_CLASS(in->code) == MOAT_JMP32, x = MOAT_SRC(in->code) == MOAT_X;
	*k = (uint64_t)((int64_t)i + 1 + in->off);
	switch (op) {
	case MOAT_JA:
		if (j32)
			*k = (uint64_t)((int64_t)i + 1 + in->imm);
		return OP_ja;
	case MOAT_EXIT:
		return j32 ? OP_INVALID : OP_exit;
	case MOAT_CALL:
		if (j32)
			return OP_INVALID;
		if (x) {
			*k = in->dst ? in->dst : (uint64_t)in->imm;
			return OP_callx;
		}
		if (in->src == MOAT_CALL_LOCAL) {
			*k = (uint64_t)((int64_t)i + 1 + in->imm);
			return OP_call_local;
		}
		*k = (uint32_t)in->imm;
		return in->src == MOAT_CALL_HELPER ? OP_call : OP_INVALID;
	default:
		break;
	}
	int base = -1, n = 0;
#define JCOND(name, jop, c64, c32)    \
	if (op == (jop))              \
		base = n;             \
	n += 4;
#include "engine/isa.def"
	if (base < 0)
		return OP_INVALID;
	return OP_jeq_K + base + (j32 ? 2 : 0) + (x ? 1 : 0);
}

static int decode_mem(const struct moat_insn *in)
{
	int sz = MOAT_SIZE(in->code) == MOAT_B ? 0 : MOAT_SIZE(in->code) == MOAT_H ? 1
		: MOAT_SIZE(in->code) == MOAT_W ? 2 : 3;
	int base = OP_ldxb + sz * 8; /* 8 handlers per size: interp_internal.h */
	unsigned mode = MOAT_MODE(in->code);
	switch (MOAT_CLASS(in->code)) {
	case MOAT_LDX:
		return mode == MOAT_MEM ? base : mode == MOAT_MEMSX && sz < 3 ? base + 1 : OP_INVALID;
	case MOAT_ST:
		return mode == MOAT_MEM ? base + 2 : OP_INVALID;
	case MOAT_LD:
		if (sz == 3)
			return OP_INVALID;
		return mode == MOAT_ABS ? base + 4 : mode == MOAT_IND ? base + 5 : OP_INVALID;
	case MOAT_STX:
		break;
	default:
		return OP_INVALID;
	}
	if (mode == MOAT_MEM)
		return base + 3;
	if (mode != MOAT_ATOMIC || sz < 2)
		return OP_INVALID;
	int w = sz == 3; /* 0: 32-bit, 1: 64-bit */
	switch (in->imm) {
	case MOAT_ADD: return OP_a_add32 + w;
	case MOAT_OR: return OP_a_or32 + w;
	case MOAT_AND: return OP_a_and32 + w;
	case MOAT_XOR: return OP_a_xor32 + w;
	case MOAT_ADD | MOAT_FETCH: return OP_af_add32 + w;
	case MOAT_OR | MOAT_FETCH: return OP_af_or32 + w;
	case MOAT_AND | MOAT_FETCH: return OP_af_and32 + w;
	case MOAT_XOR | MOAT_FETCH: return OP_af_xor32 + w;
	case MOAT_XCHG: return OP_af_xchg_32 + w;
	case MOAT_CMPXCHG: return OP_cmpxchg32 + w;
	default: return OP_INVALID;
	}
}

/* lddw: the 64-bit value, with map references resolved to addresses. */
static int decode_lddw(struct moat_exec *e, size_t i, uint64_t *k, struct moat_error *err)
{
	const struct moat_insn *in = &e->prog->insns[i];
	if (i + 1 >= e->prog->n)
		return moat_error_insn(err, EINVAL, (long)i, "lddw is missing its second half");
	uint64_t hi = (uint32_t)in[1].imm;
	*k = (uint32_t)in->imm | hi << 32;
	if (in->src == 0)
		return 0;
	struct moat_map *m = moat_prog_map(e->prog, (uint32_t)in->imm);
	if (!m)
		return moat_error_insn(err, EINVAL, (long)i,
				       "lddw refers to map %u, but the program has %zu maps",
				       (uint32_t)in->imm, e->prog->n_maps);
	if (in->src == MOAT_PSEUDO_MAP_FD) {
		*k = (uintptr_t)m;
		return 0;
	}
	if (in->src != MOAT_PSEUDO_MAP_VALUE)
		return moat_error_insn(err, EINVAL, (long)i, "lddw with src %u is not supported",
				       in->src);
	uint32_t zero = 0;
	uint8_t *v = moat_map_type(m) == MOAT_MAP_ARRAY ? moat_map_elem_lookup(m, &zero) : NULL;
	if (!v || (uint32_t)in[1].imm >= moat_map_value_size(m))
		return moat_error_insn(err, EINVAL, (long)i,
				       "map value reference needs an array map and an offset "
				       "inside its value");
	*k = (uintptr_t)(v + (uint32_t)in[1].imm);
	return 0;
}

/* The plain handler number of instruction i (lddw: also resolves k). */
static int decode_one(struct moat_exec *e, size_t i, struct moat_dinsn *d, struct moat_error *err)
{
	const struct moat_insn *in = &e->prog->insns[i];
	size_t n = e->prog->n;
	int op = OP_INVALID;
	*d = (struct moat_dinsn){ .dst = in->dst, .src = in->src, .off = in->off,
				  .imm = in->imm, .k = (uint64_t)(int64_t)in->imm };
	switch (MOAT_CLASS(in->code)) {
	case MOAT_ALU:
	case MOAT_ALU64:
		op = decode_alu(in);
		break;
	case MOAT_JMP:
	case MOAT_JMP32:
		op = decode_jmp(in, i, &d->k);
		break;
	case MOAT_LD:
		if (moat_is_lddw(in)) {
			int r = decode_lddw(e, i, &d->k, err);
			if (r < 0)
				return r;
			op = OP_lddw;
			break;
		}
		op = decode_mem(in);
		break;
	default:
		op = decode_mem(in);
		break;
	}
	/* skb execs' LD_ABS/LD_IND read their context's packet: own handlers,
	 * so the others' stay as they are */
	if (e->vmctx == MOAT_VMCTX_SKB && MOAT_CLASS(in->code) == MOAT_LD && !moat_is_lddw(in) &&
	    op != OP_INVALID)
		op += OP_ldabs_skbb - OP_ldabsb;
	/* Unverified (checked) runs may hold anything: keep register
	 * numbers inside the register file and control inside code[]. */
	if (in->dst > MOAT_R10 || in->src > MOAT_R10)
		op = OP_INVALID;
	if ((op >= OP_jeq_K && op <= OP_jsle32_X) || op == OP_ja || op == OP_call_local) {
		if (d->k > n)
			d->k = n;
		d->k = (uintptr_t)&e->code[d->k]; /* the loops jump to the address */
	}
	if (op == OP_callx && d->k > MOAT_R10)
		op = OP_INVALID;
	return op;
}

int moat_interp_prepare(struct moat_exec *e, struct moat_error *err)
{
	const void *const *labels;
	if (e->checked) {
		interp_loop_checked(NULL, NULL, &labels, NULL);
	} else {
		struct interp_resume q = { .exec = NULL };
		moat_interp_run(NULL, &q, 0, NULL, NULL);
		labels = q.labels;
	}
	size_t n = e->prog->n;
	e->code = calloc(n + 1, sizeof(*e->code));
	_Static_assert(OP_COUNT <= UINT16_MAX, "handler numbers fit in ops[]");
	MOAT_AUTO(free) uint16_t *ops = calloc(n + 1, sizeof(*ops));
	if (!e->code || !ops)
		return moat_error_set(err, ENOMEM, "out of memory");
	e->n = n;
	for (size_t i = 0; i < n; i++) {
		int op = decode_one(e, i, &e->code[i], err);
		if (op < 0)
			return op;
		ops[i] = (uint16_t)op;
		if (op == OP_lddw) /* its second slot is not an instruction */
			ops[++i] = OP_INVALID;
	}
	/* a jump past the end lands here (the verifier forbids it) */
	ops[n] = OP_off_end;
	for (size_t i = 0; i <= n; i++) {
		int op = ops[i];
		if (!e->checked && i < n)
			op = interp_fast_op(e->prog->insns, ops, n, i);
		e->code[i].op = labels[op] ? labels[op] : labels[OP_INVALID];
	}
	return 0;
}

/* Checked runs of unverified programs may leave ring-buffer records
 * reserved (the verifier would have refused): discard them so the ring
 * does not stay blocked. */
static void discard_records(struct moat_call *c)
{
	for (size_t i = 0; i < c->n_regions; i++)
		if (c->regions[i].ringbuf)
			moat_ringbuf_discard((void *)c->regions[i].lo, 0);
	c->n_regions = 0;
}

/* Runs one checked program of the (possibly tail-calling) chain. */
static int run_checked(struct interp_run *run, uint8_t *stack, size_t stack_len,
		       struct moat_error *err)
{
	struct moat_exec *e = run->call.exec;
	discard_records(&run->call);
	/* region 0: the main frame's stack; grows down with local calls */
	moat_call_add_region(&run->call, stack + stack_len - MOAT_STACK_SIZE, MOAT_STACK_SIZE,
			     false);
	moat_call_add_region(&run->call, run->ctx, run->ctx_len, false);
	/* a verified xdp or skb program: its packet, metadata included */
	void *meta = NULL, *end = NULL;
	if (e->vmctx == MOAT_VMCTX_XDP && run->ctx_len >= sizeof(struct moat_xdp_ctx)) {
		const struct moat_xdp_ctx *x = run->ctx;
		meta = x->data_meta;
		end = x->data_end;
	} else if (e->vmctx == MOAT_VMCTX_SKB && run->ctx_len >= sizeof(struct moat_skb_ctx)) {
		const struct moat_skb_ctx *x = run->ctx;
		meta = x->data_meta;
		end = x->data_end;
	}
	if (meta && meta <= end)
		moat_call_add_region(&run->call, meta, (uint64_t)((char *)end - (char *)meta), false);
	for (size_t i = 0; i < e->n; i++) {
		const struct moat_insn *in = &e->prog->insns[i];
		if (moat_is_lddw(in) && in->src == MOAT_PSEUDO_MAP_VALUE) {
			struct moat_map *m = moat_prog_map(e->prog, (uint32_t)in->imm);
			uint32_t off = (uint32_t)in[1].imm;
			moat_call_add_region(&run->call, (void *)(uintptr_t)(e->code[i].k - off),
					     moat_map_value_size(m), false);
		}
	}
	if (run->call.oom)
		return moat_error_set(err, ENOMEM, "out of memory");
	return interp_loop_checked(run, e->code, NULL, err);
}

/* Sets up the run fields other than the helpers' view (run->call). */
static void interp_run_init(struct interp_run *run, const struct moat_exec *exec, void *ctx,
			    size_t ctx_len)
{
	run->budget = exec->budget ? exec->budget : INTERP_BUDGET;
	run->helper_id = 0;
	run->ctx = ctx;
	run->ctx_len = ctx_len;
	run->trace = NULL;
}

/*
 * Runs a chain of tail-calling programs, any mix of checked and unchecked,
 * from run->call.exec (or the program a pending tail call goes to) on one
 * stack.  Every program starts with r1 = the ctx (or what the tail-caller
 * left in r1), r2 = the ctx length and r10 = the stack top; a checked
 * program's other registers and first stack frame are zeroed.
 */
static int interp_chain(struct interp_run *run, uint8_t *stack, size_t stack_len, uint64_t *ret,
			struct moat_error *err)
{
	struct interp_trace tr;
	int r;
	for (;;) {
		if (run->call.tail_to) {
			run->call.exec = run->call.tail_to;
			run->call.tail_to = NULL;
		}
		struct moat_exec *e = run->call.exec;
		uint64_t r1 = run->call.tail_calls ? run->regs[1] : (uintptr_t)run->ctx;
		run->pc = 0;
		run->call.checked = e->checked;
		if (!e->checked) {
			run->regs[1] = r1;
			struct interp_resume rs = { .exec = e, .ctx = run->ctx, .ctx_len = run->ctx_len,
						    .run = run };
			run->stack_top = stack + stack_len;
			r = moat_interp_run(NULL, &rs, 0, &run->regs[0], err);
		} else {
			memset(run->regs, 0, sizeof(run->regs));
			run->regs[1] = r1;
			run->regs[2] = run->ctx_len;
			run->regs[MOAT_R10] = (uintptr_t)(stack + stack_len);
			/* Checked runs may read stack the program never wrote:
			 * give them zeros, not host data.  Verified programs
			 * never read unwritten stack.  Deeper frames are zeroed
			 * when a local call opens them. */
			interp_zero_frame(stack + stack_len - MOAT_STACK_SIZE);
			run->trace = NULL;
			if (e->trace.write) {
				tr.sink = e->trace;
				tr.exec = e;
				tr.prev_idx = -1;
				run->trace = &tr;
			}
			r = run_checked(run, stack, stack_len, err);
		}
		if (r != 1)
			break;
	}
	discard_records(&run->call);
	if (run->call.regions != run->call.inline_regions)
		free(run->call.regions);
	if (r == 0 && ret)
		*ret = run->regs[0];
	return r;
}

/* A run starting with a checked program (moat_interp_run, the fast loop,
 * sends it here). */
static int interp_run_checked(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
			      struct moat_error *err)
{
	_Static_assert(MOAT_MAX_FRAMES * MOAT_STACK_SIZE <= 8192, "stack fits on the C stack");
	_Alignas(16) uint8_t stack[MOAT_MAX_FRAMES * MOAT_STACK_SIZE];
	/* Set field by field: a run is short, and zeroing the whole struct
	 * (inline regions included) would cost more than a small program. */
	struct interp_run run;
	interp_call_init(&run.call, exec);
	interp_run_init(&run, exec, ctx, ctx_len);
	return interp_chain(&run, stack, sizeof(stack), ret, err);
}
