/*
 * Differential fuzzing of the JIT against the interpreter.  The input bytes
 * drive a generator of valid, memory-safe eBPF programs (or, when the
 * first byte says so, are a classic BPF program translated to eBPF); each
 * program the verifier accepts runs in the checked interpreter (the
 * reference), in native code, and in native code with constant blinding,
 * on the same input memory.  r0, the run's status and the input memory
 * afterwards must agree; any difference aborts.
 *
 * Generated programs keep pointers out of arithmetic (r6 = the 64-byte
 * input, r10 = the stack; neither is ever an ALU operand), access only
 * in-bounds, suitably aligned slots, jump only forward (so they end), and
 * initialise what they read: the stack slots first, r1-r5 again after
 * every call.  Their result folds every scalar register and every stack
 * slot into r0, so a wrong register or a wrong store shows.
 *
 * When the first byte says so, the program is a tc program instead: r6 is
 * its struct moat_skb_ctx around the 64 input bytes as the packet, its
 * LD_ABS/LD_IND read that packet through the context, and its other
 * accesses go to the stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>
#include "engine/exec_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_LEN 64
#define MAX_INSNS 512
#define I MOAT_INSN

struct gen {
	bool callee;         /* generating the local function: no r6, no packet loads */
	bool skb;            /* a tc program: r6 is the context, not memory to access */
	const uint8_t *p;
	size_t left;
	struct moat_insn out[MAX_INSNS];
	size_t n;
};

static uint8_t byte(struct gen *g)
{
	if (!g->left)
		return 0;
	g->left--;
	return *g->p++;
}

static int32_t imm32(struct gen *g)
{
	uint8_t k = byte(g);
	switch (k & 3) { /* small values and edges hit more cases than uniform ones */
	case 0: return (int8_t)byte(g);
	case 1: return (int32_t)((uint32_t)byte(g) << 24 | (uint32_t)byte(g) << 16 |
				 (uint32_t)byte(g) << 8 | byte(g));
	case 2: { static const int32_t e[] = { 0, 1, -1, 2, 0x7fffffff, INT32_MIN, 31, 32, 63, 64, 0xffff, 0x8000 };
		return e[byte(g) % (sizeof(e) / sizeof(e[0]))]; }
	default: return (int16_t)(byte(g) << 8 | byte(g));
	}
}

static void emit(struct gen *g, struct moat_insn in)
{
	if (g->n < MAX_INSNS)
		g->out[g->n++] = in;
}

/* Scalar registers: r0-r5, r7-r9 (r6 holds the input, r10 the stack). */
static uint8_t sreg(struct gen *g)
{
	static const uint8_t r[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9 };
	return r[byte(g) % sizeof(r)];
}

static void reinit_args(struct gen *g)
{
	for (uint8_t r = 1; r <= 5; r++)
		emit(g, I(MOAT_ALU64 | MOAT_MOV | MOAT_K, r, 0, 0, imm32(g)));
}

static void gen_alu(struct gen *g)
{
	static const uint8_t ops[] = { MOAT_ADD, MOAT_SUB, MOAT_MUL, MOAT_DIV, MOAT_OR, MOAT_AND,
				       MOAT_LSH, MOAT_RSH, MOAT_NEG, MOAT_MOD, MOAT_XOR, MOAT_MOV,
				       MOAT_ARSH, MOAT_END };
	uint8_t k = byte(g);
	uint8_t op = ops[k % sizeof(ops)];
	bool w = k & 0x80, x = k & 0x40;
	uint8_t cls = w ? MOAT_ALU64 : MOAT_ALU;
	uint8_t d = sreg(g), s = sreg(g);
	int16_t off = 0;
	int32_t imm = imm32(g);
	if (op == MOAT_END) {
		static const int32_t widths[] = { 16, 32, 64 };
		/* ALU: le/be; ALU64: bswap (its source bit must be 0) */
		emit(g, I(cls | MOAT_END | ((k & 0x20) && !w ? MOAT_TO_BE : MOAT_TO_LE), d, 0, 0,
			  widths[byte(g) % 3]));
		return;
	}
	if ((op == MOAT_DIV || op == MOAT_MOD) && (k & 0x20))
		off = 1; /* sdiv / smod */
	if (op == MOAT_MOV && x && (k & 0x20)) {
		static const int16_t sx[] = { 8, 16, 32 };
		off = sx[byte(g) % (w ? 3 : 2)];
	}
	if (op == MOAT_LSH || op == MOAT_RSH || op == MOAT_ARSH)
		imm &= w ? 63 : 31;
	if (op == MOAT_NEG)
		x = false, imm = 0;
	if (x)
		emit(g, I(cls | op | MOAT_X, d, s, off, 0));
	else
		emit(g, I(cls | op | MOAT_K, d, 0, off, imm));
}

/* A memory slot: base r10 (offsets -64..-1) or r6 (the input, 0..63),
 * aligned to the access size. */
static void slot(struct gen *g, unsigned bytes, uint8_t *base, int16_t *off)
{
	unsigned k = byte(g);
	unsigned n = MEM_LEN / bytes;
	unsigned i = (k >> 1) % n;
	if ((k & 1) && !g->callee && !g->skb) {
		*base = 6;
		*off = (int16_t)(i * bytes);
	} else {
		*base = 10;
		*off = (int16_t)(-(int)MEM_LEN + (int)(i * bytes));
	}
}

static void gen_mem(struct gen *g)
{
	static const uint8_t sizes[] = { MOAT_B, MOAT_H, MOAT_W, MOAT_DW };
	static const unsigned bytes[] = { 1, 2, 4, 8 };
	uint8_t k = byte(g);
	unsigned sz = k & 3;
	uint8_t base;
	int16_t off;
	slot(g, bytes[sz], &base, &off);
	switch ((k >> 2) % 4) {
	case 0:
		emit(g, I(MOAT_LDX | ((k & 0x40) && sz < 3 ? MOAT_MEMSX : MOAT_MEM) | sizes[sz], sreg(g),
			  base, off, 0));
		break;
	case 1:
		emit(g, I(MOAT_STX | MOAT_MEM | sizes[sz], base, sreg(g), off, 0));
		break;
	case 2:
		emit(g, I(MOAT_ST | MOAT_MEM | sizes[sz], base, 0, off, imm32(g)));
		break;
	default: {
		static const int32_t aops[] = { MOAT_ADD, MOAT_OR, MOAT_AND, MOAT_XOR,
						MOAT_ADD | MOAT_FETCH, MOAT_OR | MOAT_FETCH,
						MOAT_AND | MOAT_FETCH, MOAT_XOR | MOAT_FETCH,
						MOAT_XCHG, MOAT_CMPXCHG };
		unsigned asz = (k & 0x40) ? 3 : 2;
		slot(g, bytes[asz], &base, &off);
		emit(g, I(MOAT_STX | MOAT_ATOMIC | sizes[asz], base, sreg(g), off,
			  aops[byte(g) % (sizeof(aops) / sizeof(aops[0]))]));
		break;
	}
	}
}

/* A forward conditional jump over the next `skip` generated instructions:
 * recorded and fixed up once they exist. */
struct fwd {
	size_t at, target_gen;
};

static void gen_body(struct gen *g, size_t count, bool allow_calls, size_t callee_slot,
		     size_t *calls, size_t *ncalls)
{
	struct fwd fw[64];
	size_t nfw = 0;
	size_t *gen_at = calloc(count + 1, sizeof(*gen_at));
	if (!gen_at)
		return;
	for (size_t c = 0; c < count && g->left; c++) {
		gen_at[c] = g->n;
		for (size_t f = 0; f < nfw; f++)
			if (fw[f].target_gen == c)
				g->out[fw[f].at].off = (int16_t)(g->n - fw[f].at - 1);
		uint8_t kind = byte(g) % 16;
		if (kind < 7) {
			gen_alu(g);
		} else if (kind < 11) {
			gen_mem(g);
		} else if (kind < 13 && nfw < 64) {
			static const uint8_t jops[] = { MOAT_JEQ, MOAT_JNE, MOAT_JGT, MOAT_JGE,
							MOAT_JLT, MOAT_JLE, MOAT_JSGT, MOAT_JSGE,
							MOAT_JSLT, MOAT_JSLE, MOAT_JSET, MOAT_JA };
			uint8_t k = byte(g);
			uint8_t op = jops[k % sizeof(jops)];
			uint8_t cls = (k & 0x80) && op != MOAT_JA ? MOAT_JMP32 : MOAT_JMP;
			fw[nfw].at = g->n;
			fw[nfw].target_gen = c + 1 + byte(g) % 8;
			nfw++;
			if (op == MOAT_JA)
				emit(g, I(MOAT_JMP | MOAT_JA, 0, 0, 0, 0));
			else if (k & 0x40)
				emit(g, I(cls | op | MOAT_X, sreg(g), sreg(g), 0, 0));
			else
				emit(g, I(cls | op | MOAT_K, sreg(g), 0, 0, imm32(g)));
		} else if (kind < 14 && !g->callee) {
			/* legacy packet load (r6 is the input) */
			static const uint8_t sizes[] = { MOAT_B, MOAT_H, MOAT_W };
			uint8_t k = byte(g);
			if (k & 1)
				emit(g, I(MOAT_LD | MOAT_ABS | sizes[k % 3], 0, 0, 0, (int32_t)(byte(g) % 72)));
			else
				emit(g, I(MOAT_LD | MOAT_IND | sizes[k % 3], 0, sreg(g), 0,
					  (int32_t)(int8_t)byte(g)));
		} else if (allow_calls && kind == 14 && *ncalls < 16) {
			calls[(*ncalls)++] = g->n;
			emit(g, I(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_LOCAL, 0, (int32_t)callee_slot));
			reinit_args(g);
		} else {
			static const int32_t ids[] = { MOAT_FN_get_prandom_u32,
						       MOAT_FN_get_smp_processor_id };
			emit(g, I(MOAT_JMP | MOAT_CALL, 0, 0, 0, ids[byte(g) & 1]));
			reinit_args(g);
		}
	}
	/* jumps past the last instruction land on what follows the body */
	for (size_t f = 0; f < nfw; f++)
		if (fw[f].target_gen >= count || g->out[fw[f].at].off == 0)
			g->out[fw[f].at].off = (int16_t)(g->n - fw[f].at - 1);
	free(gen_at);
}

/* Sets every scalar register and the 64 stack bytes from the input. */
static void gen_init(struct gen *g)
{
	for (int s = 1; s <= MEM_LEN / 8; s++)
		emit(g, I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, (int16_t)(-8 * s), imm32(g)));
	static const uint8_t r[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9 };
	for (size_t i = 0; i < sizeof(r); i++) {
		if (byte(g) & 1) {
			emit(g, I(MOAT_LD | MOAT_IMM | MOAT_DW, r[i], 0, 0, imm32(g)));
			emit(g, I(0, 0, 0, 0, imm32(g)));
		} else {
			emit(g, I(MOAT_ALU64 | MOAT_MOV | MOAT_K, r[i], 0, 0, imm32(g)));
		}
	}
}

/* r0 = a hash of every scalar register and stack slot; exit. */
static void gen_fold(struct gen *g, bool regs)
{
	static const uint8_t r[] = { 7, 8, 9 };
	for (int s = 1; regs && s <= MEM_LEN / 8; s++) {
		emit(g, I(MOAT_LDX | MOAT_MEM | MOAT_DW, 1, 10, (int16_t)(-8 * s), 0));
		emit(g, I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, 1000003));
		emit(g, I(MOAT_ALU64 | MOAT_XOR | MOAT_X, 0, 1, 0, 0));
	}
	for (size_t i = 0; regs && i < sizeof(r); i++) {
		emit(g, I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, 1000003));
		emit(g, I(MOAT_ALU64 | MOAT_XOR | MOAT_X, 0, r[i], 0, 0));
	}
	emit(g, I(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0));
}

/* main: r6 = input, init, body (may call f), fold.  f: init, body, fold. */
static size_t generate(struct gen *g)
{
	size_t calls[16], ncalls = 0;
	emit(g, I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 6, 1, 0, 0));
	gen_init(g);
	gen_body(g, 8 + byte(g) % 48, true, 0, calls, &ncalls);
	gen_fold(g, true);
	if (ncalls) {
		size_t f = g->n;
		size_t none[16], nnone = 0;
		g->callee = true;
		gen_init(g);
		gen_body(g, 4 + byte(g) % 12, false, 0, none, &nnone);
		gen_fold(g, true);
		g->callee = false;
		for (size_t c = 0; c < ncalls; c++)
			g->out[calls[c]].imm = (int32_t)(f - calls[c] - 1);
	}
	return g->n;
}

static struct moat_vm *vm;

/* JIT_DIFF_STATS=1: how many inputs became programs the verifier accepted
 * (a generator whose programs are all rejected would test nothing). */
static unsigned long n_inputs, n_compared, n_rejected;
static char last_reject[256];

static void print_stats(void)
{
	fprintf(stderr, "jit_diff_fuzz: %lu inputs, %lu programs compared, %lu rejected (last: %s)\n",
		n_inputs, n_compared, n_rejected, last_reject);
}


static uint64_t first_arg(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct moat_call *c)
{
	return r1;
}

/* Runs p: mode 0 checked interpreter, 1 JIT, 2 blinded JIT.  A tc
 * program runs on a struct moat_skb_ctx whose packet is mem. */
static int run(struct moat_prog *p, int mode, uint8_t *mem, uint64_t *r0)
{
	struct moat_error err;
	struct moat_skb_ctx skb;
	moat_skb_ctx_init(&skb, mem, MEM_LEN);
	bool tc = moat_prog_type(p) == MOAT_PROG_SCHED_CLS;
	MOAT_OPTS(moat_exec_opts, o, .mode = MOAT_EXEC_CHECKED, .mem_len = MEM_LEN);
	struct moat_exec *e = moat_exec_new(vm, p, &o, &err);
	if (!e) {
		moat_error_str(&err, last_reject, sizeof(last_reject));
		if (getenv("JIT_DIFF_REJECTS"))
			fprintf(stderr, "reject: %s\n", last_reject);
		return -1000;
	}
	if (mode && moat_exec_force_jit(e, mode == 2, &err) < 0) {
		fprintf(stderr, "JIT compile failed: %s\n", err.msg);
		abort();
	}
	vm->prandom = 0x853c49e6748fea9bull;
	int r = tc ? moat_exec_run(e, &skb, sizeof(skb), r0, &err)
		   : moat_exec_run(e, mem, MEM_LEN, r0, &err);
	moat_exec_free(e);
	return r;
}

static void differential(struct moat_prog *p, const uint8_t *mem_init)
{
	uint8_t mem[3][MEM_LEN];
	uint64_t r0[3] = { 0, 0, 0 };
	int st[3];
	for (int m = 0; m < 3; m++) {
		memcpy(mem[m], mem_init, MEM_LEN);
		st[m] = run(p, m, mem[m], &r0[m]);
		if (m == 0 && st[0] != 0) {
			n_rejected++;
			return; /* rejected (or faulted): only proven-safe programs go native */
		}
	}
	n_compared++;
	for (int m = 1; m < 3; m++) {
		if (st[m] != st[0] || r0[m] != r0[0] || memcmp(mem[m], mem[0], MEM_LEN)) {
			fprintf(stderr, "JIT%s disagrees: status %d/%d r0 0x%llx/0x%llx memory %s\n",
				m == 2 ? " (blinded)" : "", st[0], st[m], (unsigned long long)r0[0],
				(unsigned long long)r0[m], memcmp(mem[m], mem[0], MEM_LEN) ? "differs" : "same");
			size_t n;
			const struct moat_insn *in = moat_prog_insns(p, &n);
			for (size_t i = 0; i < n; i++) {
				char buf[128];
				moat_disasm_insn(in, n, i, MOAT_SYNTAX_MOAT, buf, sizeof(buf));
				fprintf(stderr, "%4zu: %s\n", i, buf);
			}
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 + MEM_LEN)
		return 0;
	n_inputs++;
	if (!vm) {
		if (getenv("JIT_DIFF_STATS"))
			atexit(print_stats);
		static const struct moat_helper_proto proto = { "first_arg", MOAT_RET_INTEGER,
								 { MOAT_ARG_ANYTHING }, 0, false };
		vm = moat_vm_new(NULL, NULL);
		moat_vm_add_helper(vm, 5, &proto, first_arg, NULL, NULL);
	}
	const uint8_t *mem_init = data + 1;
	struct moat_error err;
	struct moat_prog *p = NULL;
	if (data[0] % 4 == 0) {
		/* classic BPF, translated */
		size_t n = (size - 1 - MEM_LEN) / sizeof(struct moat_cbpf_insn);
		struct moat_cbpf_insn *c = n ? malloc(n * sizeof(*c)) : NULL;
		if (!c)
			return 0;
		memcpy(c, data + 1 + MEM_LEN, n * sizeof(*c));
		if (moat_cbpf_check(c, n, false, &err) == 0)
			p = moat_cbpf_to_ebpf(c, n, MOAT_PROG_MEM, &err);
		free(c);
	} else {
		static struct gen g;
		g.p = data + 1 + MEM_LEN;
		g.left = size - 1 - MEM_LEN;
		g.n = 0;
		g.callee = false;
		g.skb = data[0] % 4 == 1;
		size_t n = generate(&g);
		p = moat_prog_new(g.skb ? MOAT_PROG_SCHED_CLS : MOAT_PROG_MEM, g.out, n, &err);
	}
	if (p)
		differential(p, mem_init);
	moat_prog_free(p);
	return 0;
}
