/*
 * Unit tests for the x86-64 JIT.  Every program runs in the checked
 * interpreter (the reference) and in native code, forced through
 * moat_exec_force_jit (this build's verifier does not yet prove memory
 * safety, so moat_exec_new refuses MOAT_EXEC_JIT); r0 and the input memory
 * must agree.  The whole conformance suite runs here too, plain and with
 * constant blinding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <moat/moat.h>
#include "engine/exec_internal.h"
#include "conf_suite.h"
#include "tap.h"

#define I MOAT_INSN
#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EXIT I(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0)
#define MOV64K(d, k) I(MOAT_ALU64 | MOAT_MOV | MOAT_K, d, 0, 0, k)
#define MOV64X(d, s) I(MOAT_ALU64 | MOAT_MOV | MOAT_X, d, s, 0, 0)
#define MOV32K(d, k) I(MOAT_ALU | MOAT_MOV | MOAT_K, d, 0, 0, k)
#define LDDW(d, src, lo, hi) I(MOAT_LD | MOAT_IMM | MOAT_DW, d, src, 0, lo), I(0, 0, 0, 0, hi)
#define CALL(id) I(MOAT_JMP | MOAT_CALL, 0, 0, 0, id)
#define CALL_LOCAL(rel) I(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_LOCAL, 0, rel)

static struct moat_vm *vm;
static bool harden;
static int mismatches;

/* One run; *status is the run's return (or -1000 when not created). */
static uint64_t run_one(struct moat_prog *p, bool jit, void *mem, size_t len, int *status,
			struct moat_error *err)
{
	uint64_t r0 = ~0ull;
	MOAT_OPTS(moat_exec_opts, o, .mem_len = len);
	struct moat_exec *e = moat_exec_new(vm, p, &o, err);
	if (!e) {
		*status = -1000;
		return r0;
	}
	if (jit && moat_exec_force_jit(e, harden, err) < 0) {
		*status = -2000;
		moat_exec_free(e);
		return r0;
	}
	vm->prandom = 0x853c49e6748fea9bull; /* both runs see the same helper results */
	*status = moat_exec_run(e, mem, len, &r0, err);
	moat_exec_free(e);
	return r0;
}

/* Runs insns in the checked interpreter and the JIT on copies of mem;
 * returns the JIT's r0, or ~0 when they disagree (diagnosed). */
static uint64_t run_mem(const struct moat_insn *insns, size_t n, void *mem, size_t len)
{
	struct moat_error err;
	moat_error_clear(&err);
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, insns, n, &err);
	uint8_t a[256], b[256];
	if (!p || len > sizeof(a)) {
		moat_prog_free(p);
		return ~0ull;
	}
	if (len)
		memcpy(a, mem, len), memcpy(b, mem, len);
	int sa, sb;
	uint64_t ra = run_one(p, false, len ? a : NULL, len, &sa, &err);
	if (sa < 0)
		diag("interpreter: %d insn %ld: %s", sa, err.insn, err.msg);
	uint64_t rb = run_one(p, true, len ? b : NULL, len, &sb, &err);
	if (sb < 0 && sa >= 0)
		diag("JIT: %d insn %ld: %s", sb, err.insn, err.msg);
	moat_prog_free(p);
	bool same = sa == sb && ra == rb && (!len || !memcmp(a, b, len));
	if (!same) {
		diag("interpreter %d 0x%llx, JIT %d 0x%llx%s", sa, (unsigned long long)ra, sb,
		     (unsigned long long)rb, len && memcmp(a, b, len) ? ", memory differs" : "");
		mismatches++;
	}
	return same && sa == 0 ? rb : ~0ull;
}

#define RUN(...) ({ const struct moat_insn _p[] = { __VA_ARGS__ }; run_mem(_p, N(_p), NULL, 0); })

static void test_refusal(void)
{
	struct moat_error err;
	const struct moat_insn q[] = { MOV64K(0, 1), EXIT };
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, q, N(q), &err);
	MOAT_OPTS(moat_exec_opts, jo, .mode = MOAT_EXEC_JIT);
	struct moat_exec *e = moat_exec_new(vm, p, &jo, &err);
	if (!MOAT_VERIFIER_PROVES_MEMORY_SAFETY) {
		ok(!e && err.errnum == EOPNOTSUPP && strstr(err.msg, "proves memory safe"),
		   "MOAT_EXEC_JIT needs a verifier that proves memory safety (%s)", err.msg);
	} else {
		uint64_t r0 = 0;
		ok(e && moat_exec_mode(e) == MOAT_EXEC_JIT && moat_exec_code(e, NULL) &&
			   moat_exec_run(e, NULL, 0, &r0, &err) == 0 && r0 == 1,
		   "MOAT_EXEC_JIT runs verified programs");
	}
	moat_exec_free(e);
	e = moat_exec_new(vm, p, NULL, &err);
	size_t len = 1;
	ok(e && moat_exec_code(e, &len) == NULL && len == 0, "an interpreted exec has no code");
	ok(e && moat_exec_force_jit(e, false, &err) == 0 && moat_exec_mode(e) == MOAT_EXEC_JIT,
	   "force_jit switches the exec to the JIT");
	const uint8_t *code = e ? moat_exec_code(e, &len) : NULL;
	ok(code && len >= 6 && code[len - 1] != 0xcc, "native code is there (%zu bytes)", len);
	/* verified, no calls: the code is a plain function, with no entry stub */
	moat_native_fn fn = e ? moat_exec_native(e) : NULL;
	ok(fn && fn(NULL, 0) == 1, "a verified program without calls is a native function");
	/* the mapping is read+execute, not writable */
	char line[512], perms[8] = "";
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char pr[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && (uintptr_t)code >= lo &&
		    (uintptr_t)code < hi)
			snprintf(perms, sizeof(perms), "%s", pr);
	}
	if (f)
		fclose(f);
	is_str(perms, "r-xp", "native code is mapped read+execute only");
	moat_exec_free(e);
	moat_prog_free(p);
}

static void test_alu(void)
{
	is_u64(RUN(MOV64K(0, -1), EXIT), ~0ull, "mov64 sign-extends imm");
	is_u64(RUN(MOV32K(0, -1), EXIT), 0xffffffffull, "mov32 zero-extends");
	is_u64(RUN(MOV64K(0, -1), I(MOAT_ALU | MOAT_ADD | MOAT_K, 0, 0, 0, 1), EXIT), 0,
	       "32-bit add wraps and zero-extends");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), EXIT), 0x1122334455667788ull, "lddw");
	is_u64(RUN(MOV64K(0, 7), I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, -3), EXIT), (uint64_t)-21,
	       "mul by negative imm");
	is_u64(RUN(LDDW(0, 0, 0, 1), I(MOAT_ALU | MOAT_MUL | MOAT_K, 0, 0, 0, 5), EXIT), 0,
	       "mul32 drops the upper half");
	is_u64(RUN(MOV64K(1, 0x80), I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 0, 1, 8, 0), EXIT),
	       (uint64_t)-128, "movsx8");
	is_u64(RUN(MOV64K(1, 0x8000), I(MOAT_ALU | MOAT_MOV | MOAT_X, 0, 1, 16, 0), EXIT),
	       0xffff8000ull, "movsx16 to 32 bits");
	is_u64(RUN(LDDW(1, 0, (int32_t)0x80000000, 5), I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 0, 1, 32, 0),
		   EXIT), 0xffffffff80000000ull, "movsx32");
	is_u64(RUN(MOV64K(0, 5), I(MOAT_ALU64 | MOAT_NEG, 0, 0, 0, 0), EXIT), (uint64_t)-5, "neg");
	is_u64(RUN(MOV64K(0, 5), I(MOAT_ALU | MOAT_NEG, 0, 0, 0, 0), EXIT), 0xfffffffbull, "neg32");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU | MOAT_END | MOAT_TO_BE, 0, 0, 0, 16),
		   EXIT), 0x8877ull, "be16");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU | MOAT_END | MOAT_TO_BE, 0, 0, 0, 32),
		   EXIT), 0x88776655ull, "be32");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU | MOAT_END | MOAT_TO_LE, 0, 0, 0, 16),
		   EXIT), 0x7788ull, "le16");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU | MOAT_END | MOAT_TO_LE, 0, 0, 0, 32),
		   EXIT), 0x55667788ull, "le32");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU64 | MOAT_END, 0, 0, 0, 64), EXIT),
	       0x8877665544332211ull, "bswap64");
	is_u64(RUN(LDDW(6, 0, 0x55667788, 0x11223344), I(MOAT_ALU64 | MOAT_END, 6, 0, 0, 16),
		   MOV64X(0, 6), EXIT), 0x8877ull, "bswap16 of a REX register");
	/* division edge cases, register and immediate forms */
	is_u64(RUN(MOV64K(0, 7), MOV64K(1, 0), I(MOAT_ALU64 | MOAT_DIV | MOAT_X, 0, 1, 0, 0), EXIT),
	       0, "div by zero register gives 0");
	is_u64(RUN(MOV64K(0, 7), MOV64K(1, 0), I(MOAT_ALU64 | MOAT_MOD | MOAT_X, 0, 1, 0, 0), EXIT),
	       7, "mod by zero keeps dst");
	is_u64(RUN(LDDW(0, 0, 7, 1), MOV64K(1, 0), I(MOAT_ALU | MOAT_MOD | MOAT_X, 0, 1, 0, 0), EXIT),
	       7, "mod32 by zero keeps the low half");
	is_u64(RUN(LDDW(0, 0, 7, 1), I(MOAT_ALU | MOAT_MOD | MOAT_K, 0, 0, 0, 0), EXIT), 7,
	       "mod32 by zero imm");
	is_u64(RUN(LDDW(0, 0, 0, (int32_t)0x80000000), MOV64K(1, -1),
		   I(MOAT_ALU64 | MOAT_DIV | MOAT_X, 0, 1, 1, 0), EXIT),
	       0x8000000000000000ull, "sdiv INT64_MIN / -1");
	is_u64(RUN(LDDW(0, 0, 0, (int32_t)0x80000000), MOV64K(1, -1),
		   I(MOAT_ALU64 | MOAT_MOD | MOAT_X, 0, 1, 1, 0), EXIT), 0, "smod INT64_MIN %% -1");
	is_u64(RUN(MOV32K(0, (int32_t)0x80000000), I(MOAT_ALU | MOAT_DIV | MOAT_K, 0, 0, 1, -1), EXIT),
	       0x80000000ull, "sdiv32 INT_MIN / -1 imm");
	is_u64(RUN(MOV32K(0, (int32_t)0x80000000), I(MOAT_ALU | MOAT_MOD | MOAT_K, 0, 0, 1, -1), EXIT),
	       0, "smod32 INT_MIN %% -1 imm");
	is_u64(RUN(MOV64K(0, -7), I(MOAT_ALU64 | MOAT_DIV | MOAT_K, 0, 0, 1, 2), EXIT), (uint64_t)-3,
	       "sdiv rounds toward zero");
	is_u64(RUN(MOV64K(0, -7), I(MOAT_ALU64 | MOAT_MOD | MOAT_K, 0, 0, 1, 2), EXIT), (uint64_t)-1,
	       "smod takes the dividend's sign");
	is_u64(RUN(MOV64K(0, -7), I(MOAT_ALU | MOAT_DIV | MOAT_K, 0, 0, 0, 2), EXIT), 0x7ffffffcull,
	       "div32 is unsigned on the low half");
	/* shifts */
	is_u64(RUN(MOV64K(0, 1), MOV64K(1, 65), I(MOAT_ALU64 | MOAT_LSH | MOAT_X, 0, 1, 0, 0), EXIT),
	       2, "64-bit shift count masked to 6 bits");
	is_u64(RUN(MOV64K(0, 1), MOV64K(1, 33), I(MOAT_ALU | MOAT_LSH | MOAT_X, 0, 1, 0, 0), EXIT), 2,
	       "32-bit shift count masked to 5 bits");
	is_u64(RUN(LDDW(0, 0, 5, -1), MOV64K(1, 32), I(MOAT_ALU | MOAT_LSH | MOAT_X, 0, 1, 0, 0), EXIT),
	       5, "32-bit shift by 0 (masked) zero-extends");
	is_u64(RUN(LDDW(0, 0, 5, -1), I(MOAT_ALU | MOAT_RSH | MOAT_K, 0, 0, 0, 32), EXIT), 5,
	       "32-bit shift by imm 32 zero-extends");
	is_u64(RUN(MOV64K(0, -16), I(MOAT_ALU | MOAT_ARSH | MOAT_K, 0, 0, 0, 2), EXIT), 0xfffffffcull,
	       "arsh32");
	is_u64(RUN(MOV64K(4, 3), MOV64K(1, 2), I(MOAT_ALU64 | MOAT_LSH | MOAT_X, 4, 1, 0, 0),
		   MOV64X(0, 4), EXIT), 12, "shift of r4 (rcx) by another register");
	is_u64(RUN(MOV64K(4, 3), I(MOAT_ALU64 | MOAT_LSH | MOAT_X, 4, 4, 0, 0), MOV64X(0, 4), EXIT),
	       24, "shift of r4 by itself");
}

/*
 * Register allocation: every (dst, src) pair of r0-r9 for the operations
 * that borrow fixed x86 registers (div/mod: rax, rdx; shifts: rcx;
 * fetch-or/and/xor: rax).  All registers start distinct, and the result
 * folds all of them into r0, so clobbering any register shows.
 */
static void fold_and_exit(struct moat_insn *p, size_t *k)
{
	for (int r = 1; r <= 9; r++) {
		p[(*k)++] = I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, 1000003);
		p[(*k)++] = I(MOAT_ALU64 | MOAT_XOR | MOAT_X, 0, (uint8_t)r, 0, 0);
	}
	p[(*k)++] = EXIT;
}

static void init_regs(struct moat_insn *p, size_t *k, uint64_t salt)
{
	for (int r = 0; r <= 9; r++) {
		uint64_t v = (0x9e3779b97f4a7c15ull * (uint64_t)(r + 1)) ^ salt;
		if (r == 3)
			v = 13; /* small divisors too */
		if (r == 4)
			v = (uint64_t)-1;
		if (r == 5)
			v = 0;
		p[(*k)++] = I(MOAT_LD | MOAT_IMM | MOAT_DW, (uint8_t)r, 0, 0, (int32_t)v);
		p[(*k)++] = I(0, 0, 0, 0, (int32_t)(v >> 32));
	}
}

static void test_register_pairs(void)
{
	static const struct { uint8_t code; int16_t off; const char *name; } ops[] = {
		{ MOAT_ALU64 | MOAT_DIV | MOAT_X, 0, "div" }, { MOAT_ALU | MOAT_DIV | MOAT_X, 0, "div32" },
		{ MOAT_ALU64 | MOAT_MOD | MOAT_X, 0, "mod" }, { MOAT_ALU | MOAT_MOD | MOAT_X, 0, "mod32" },
		{ MOAT_ALU64 | MOAT_DIV | MOAT_X, 1, "sdiv" }, { MOAT_ALU | MOAT_DIV | MOAT_X, 1, "sdiv32" },
		{ MOAT_ALU64 | MOAT_MOD | MOAT_X, 1, "smod" }, { MOAT_ALU | MOAT_MOD | MOAT_X, 1, "smod32" },
		{ MOAT_ALU64 | MOAT_LSH | MOAT_X, 0, "lsh" }, { MOAT_ALU | MOAT_RSH | MOAT_X, 0, "rsh32" },
		{ MOAT_ALU64 | MOAT_ARSH | MOAT_X, 0, "arsh" }, { MOAT_ALU | MOAT_ARSH | MOAT_X, 0, "arsh32" },
		{ MOAT_ALU64 | MOAT_MUL | MOAT_X, 0, "mul" }, { MOAT_ALU | MOAT_MOV | MOAT_X, 8, "movsx8" },
		{ MOAT_ALU64 | MOAT_MOV | MOAT_X, 16, "movsx16" }, { MOAT_ALU64 | MOAT_END, 0, "bswap" },
	};
	int bad = 0, total = 0;
	for (size_t o = 0; o < N(ops); o++) {
		for (uint8_t d = 0; d <= 9; d++) {
			for (uint8_t s = 0; s <= 9; s++) {
				struct moat_insn p[64];
				size_t k = 0;
				init_regs(p, &k, o * 100 + d * 10 + s);
				struct moat_insn op = I(ops[o].code, d, s, ops[o].off, 0);
				if (MOAT_OP(ops[o].code) == MOAT_END)
					op.src = 0, op.imm = 32;
				p[k++] = op;
				fold_and_exit(p, &k);
				int before = mismatches;
				uint64_t r = run_mem(p, k, NULL, 0);
				total++;
				if (r == ~0ull || mismatches != before) {
					bad++;
					diag("%s r%u, r%u", ops[o].name, d, s);
				}
			}
		}
	}
	ok(bad == 0, "%d operation/register combinations agree (%d bad)", total, bad);
}

static void test_atomic_pairs(void)
{
	static const int32_t ops[] = { MOAT_ADD, MOAT_OR, MOAT_AND, MOAT_XOR,
				       MOAT_ADD | MOAT_FETCH, MOAT_OR | MOAT_FETCH,
				       MOAT_AND | MOAT_FETCH, MOAT_XOR | MOAT_FETCH,
				       MOAT_XCHG, MOAT_CMPXCHG };
	int bad = 0, total = 0;
	for (size_t o = 0; o < N(ops); o++) {
		for (int w = 0; w < 2; w++) {
			for (uint8_t d = 0; d <= 9; d++) {
				for (uint8_t s = 0; s <= 9; s++) {
					if (s == d || (d == 0 && ops[o] == MOAT_CMPXCHG))
						continue; /* r0 is cmpxchg's comparand */
					struct moat_insn p[80];
					size_t k = 0;
					init_regs(p, &k, o * 1000 + (uint64_t)w * 100 + d * 10 + s);
					/* [r10-16] = a value; dst = r10 - 16 */
					p[k++] = I(MOAT_STX | MOAT_MEM | MOAT_DW, 10, 6, -16, 0);
					p[k++] = MOV64X(d, 10);
					p[k++] = I(MOAT_ALU64 | MOAT_ADD | MOAT_K, d, 0, 0, -16);
					p[k++] = I(MOAT_STX | MOAT_ATOMIC | (w ? MOAT_DW : MOAT_W), d, s, 0,
						   ops[o]);
					p[k++] = I(MOAT_LDX | MOAT_MEM | MOAT_DW, d, 10, -16, 0);
					fold_and_exit(p, &k);
					int before = mismatches;
					uint64_t r = run_mem(p, k, NULL, 0);
					total++;
					if (r == ~0ull || mismatches != before) {
						bad++;
						diag("atomic 0x%x w%d r%u, r%u", (unsigned)ops[o], w, d, s);
					}
				}
			}
		}
	}
	ok(bad == 0, "%d atomic/register combinations agree (%d bad)", total, bad);
	/* cmpxchg that fails loads r0; 32-bit success zero-extends r0 */
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, 5), LDDW(0, 0, 5, 7), MOV64K(1, 6),
		   I(MOAT_STX | MOAT_ATOMIC | MOAT_W, 10, 1, -4, MOAT_CMPXCHG), EXIT), 5,
	       "cmpxchg32 success: r0 is the zero-extended old value");
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, 9), MOV64K(0, 5), MOV64K(1, 6),
		   I(MOAT_STX | MOAT_ATOMIC | MOAT_W, 10, 1, -4, MOAT_CMPXCHG),
		   I(MOAT_LDX | MOAT_MEM | MOAT_W, 2, 10, -4, 0),
		   I(MOAT_ALU64 | MOAT_LSH | MOAT_K, 0, 0, 0, 8),
		   I(MOAT_ALU64 | MOAT_OR | MOAT_X, 0, 2, 0, 0), EXIT), 0x909,
	       "cmpxchg32 failure loads r0 and leaves memory");
}

static void test_jmp(void)
{
	static const uint8_t jops[] = { MOAT_JEQ, MOAT_JNE, MOAT_JGT, MOAT_JGE, MOAT_JLT, MOAT_JLE,
					MOAT_JSGT, MOAT_JSGE, MOAT_JSLT, MOAT_JSLE, MOAT_JSET };
	static const int64_t vals[] = { 0, 1, -1, 5, 0x7fffffff, -0x80000000ll, 0x100000005ll };
	int bad = 0, total = 0;
	for (size_t o = 0; o < N(jops); o++) {
		for (int cls = 0; cls < 2; cls++) {
			for (size_t a = 0; a < N(vals); a++) {
				for (size_t c = 0; c < N(vals); c++) {
					uint8_t cl = cls ? MOAT_JMP32 : MOAT_JMP;
					struct moat_insn px[] = {
						LDDW(1, 0, (int32_t)vals[a], (int32_t)(vals[a] >> 32)),
						LDDW(2, 0, (int32_t)vals[c], (int32_t)(vals[c] >> 32)),
						MOV64K(0, 1), I(cl | jops[o] | MOAT_X, 1, 2, 1, 0),
						MOV64K(0, 2), I(cl | jops[o] | MOAT_K, 1, 0, 1, (int32_t)vals[c]),
						I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 0, 0, 0, 10), EXIT,
					};
					total++;
					int before = mismatches;
					if (run_mem(px, N(px), NULL, 0) == ~0ull || mismatches != before)
						bad++;
				}
			}
		}
	}
	ok(bad == 0, "%d conditional jumps agree (%d bad)", total, bad);
	is_u64(RUN(MOV64K(0, 0), MOV64K(1, 10), I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 1, 0, 0),
		   I(MOAT_ALU64 | MOAT_SUB | MOAT_K, 1, 0, 0, 1),
		   I(MOAT_JMP | MOAT_JNE | MOAT_K, 1, 0, -3, 0), EXIT), 55, "backward jumps loop");
	is_u64(RUN(MOV64K(0, 1), I(MOAT_JMP32 | MOAT_JA, 0, 0, 0, 1), MOV64K(0, 2), EXIT), 1,
	       "ja32 uses imm");
	/* a jump over more than 128 bytes of code takes the long form */
	struct moat_insn big[300];
	size_t k = 0;
	big[k++] = MOV64K(0, 1);
	big[k++] = I(MOAT_JMP | MOAT_JEQ | MOAT_K, 0, 0, 200, 1);
	for (int i = 0; i < 200; i++)
		big[k++] = I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 0, 0, 0, 1000);
	big[k++] = I(MOAT_JMP | MOAT_JA, 0, 0, 1, 0);
	big[k++] = MOV64K(0, 99);
	big[k++] = I(MOAT_JMP | MOAT_JNE | MOAT_K, 0, 0, -3, 1); /* back over 'mov 99'... */
	big[k++] = EXIT;
	is_u64(run_mem(big, k, NULL, 0), 1, "long forward jump");
}

static void test_mem(void)
{
	uint8_t mem[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0xff, 0x80 };
	const struct moat_insn p1[] = { I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 1, 0, 0), EXIT };
	is_u64(run_mem(p1, N(p1), mem, sizeof(mem)), 0x8877665544332211ull, "ldxdw");
	const struct moat_insn p2[] = { I(MOAT_LDX | MOAT_MEMSX | MOAT_B, 0, 1, 8, 0), EXIT };
	is_u64(run_mem(p2, N(p2), mem, sizeof(mem)), (uint64_t)-1, "ldxsb");
	const struct moat_insn p2h[] = { I(MOAT_LDX | MOAT_MEMSX | MOAT_H, 0, 1, 8, 0), EXIT };
	is_u64(run_mem(p2h, N(p2h), mem, sizeof(mem)), (uint64_t)(int16_t)0x80ff, "ldxsh");
	const struct moat_insn p2w[] = { I(MOAT_LDX | MOAT_MEMSX | MOAT_W, 0, 1, 6, 0), EXIT };
	is_u64(run_mem(p2w, N(p2w), mem, sizeof(mem)), (uint64_t)(int32_t)0x80ff8877, "ldxsw");
	const struct moat_insn p3[] = {
		I(MOAT_ST | MOAT_MEM | MOAT_B, 1, 0, 10, 0x1ab), I(MOAT_ST | MOAT_MEM | MOAT_H, 1, 0, 11, 0x1234),
		I(MOAT_ST | MOAT_MEM | MOAT_W, 1, 0, 12, -2), MOV64K(2, 0x5a),
		I(MOAT_STX | MOAT_MEM | MOAT_B, 1, 2, 0, 0), MOV64X(6, 1),
		I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, -3),
		I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0), EXIT };
	is_u64(run_mem(p3, N(p3), mem, sizeof(mem)), (uint64_t)-3, "stores of every size");
	/* sil/dil byte stores need a REX prefix */
	const struct moat_insn p4[] = { MOV64K(2, 0x77), I(MOAT_STX | MOAT_MEM | MOAT_B, 1, 2, 3, 0),
					MOV64X(3, 1), MOV64K(1, 0x66),
					I(MOAT_STX | MOAT_MEM | MOAT_B, 3, 1, 4, 0),
					I(MOAT_LDX | MOAT_MEM | MOAT_W, 0, 3, 2, 0), EXIT };
	is_u64(run_mem(p4, N(p4), mem, sizeof(mem)), 0x66667733ull, "byte stores from rsi and rdi");
	const struct moat_insn p5[] = { I(MOAT_LD | MOAT_ABS | MOAT_W, 0, 0, 0, 1), EXIT };
	is_u64(run_mem(p5, N(p5), mem, sizeof(mem)), 0x22334455ull, "ld_abs is big-endian");
	const struct moat_insn p6[] = { I(MOAT_LD | MOAT_ABS | MOAT_H, 0, 0, 0, 14), EXIT };
	is_u64(run_mem(p6, N(p6), mem, sizeof(mem)), 0, "ld_abs at the last two bytes");
	const struct moat_insn p7[] = { MOV64K(0, 9), MOV64K(3, 14),
					I(MOAT_LD | MOAT_IND | MOAT_W, 0, 3, 0, 0), MOV64K(0, 5),
					EXIT };
	is_u64(run_mem(p7, N(p7), mem, sizeof(mem)), 0, "ld_ind out of the packet exits with 0");
	const struct moat_insn p8[] = { MOV64K(3, -1), I(MOAT_LD | MOAT_IND | MOAT_B, 0, 3, 0, 2),
					EXIT };
	is_u64(run_mem(p8, N(p8), mem, sizeof(mem)), 0x22, "ld_ind offset wraps at 32 bits");
	const struct moat_insn p9[] = { MOV64K(6, 1), CALL_LOCAL(2), MOV64K(0, 7), EXIT,
					I(MOAT_LD | MOAT_ABS | MOAT_B, 0, 0, 0, 100), EXIT };
	is_u64(run_mem(p9, N(p9), mem, sizeof(mem)), 0, "packet load out of bounds in a callee ends the program");
}

/* An exec made without the verifier (tests of the run-time checks only:
 * these programs are safe, just not provably so). */
static struct moat_exec *exec_unverified(const struct moat_insn *insns, size_t n)
{
	struct moat_error err;
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, insns, n, &err);
	struct moat_exec *e = p ? calloc(1, sizeof(*e)) : NULL;
	if (!e) {
		moat_prog_free(p);
		return NULL;
	}
	e->vm = vm;
	e->prog = p;
	e->mode = MOAT_EXEC_JIT;
	if (moat_interp_prepare(e, &err) < 0 || moat_jit_compile(e, harden, &err) < 0) {
		diag("exec_unverified: %s", err.msg);
		moat_exec_free(e);
		moat_prog_free(p);
		return NULL;
	}
	return e;
}

static void exec_unverified_free(struct moat_exec *e)
{
	if (!e)
		return;
	struct moat_prog *p = (struct moat_prog *)e->prog;
	moat_exec_free(e);
	moat_prog_free(p);
}

static void test_calls(void)
{
	struct moat_error err;
	is_u64(RUN(MOV64K(6, 6), MOV64K(1, 20), CALL_LOCAL(2),
		   I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 6, 0, 0), EXIT,
		   MOV64K(6, 100), MOV64X(0, 1),
		   I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, 2), EXIT), 46,
	       "local call: r6-r9 restored, r0 returned");
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 1), CALL_LOCAL(2),
		   I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0), EXIT,
		   I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 2), MOV64K(0, 0), EXIT), 1,
	       "frames do not share stack");
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 0), MOV64X(1, 10),
		   CALL_LOCAL(2), I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0), EXIT,
		   I(MOAT_ST | MOAT_MEM | MOAT_DW, 1, 0, -8, 77), MOV64K(0, 0), EXIT), 77,
	       "callee writes its caller's frame");
	/* seven nested calls: eight frames, each with its own stack */
	{
		struct moat_insn nest[64];
		size_t k = 0;
		for (int f = 0; f < 8; f++) {
			nest[k++] = I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, f);
			if (f < 7) {
				nest[k++] = CALL_LOCAL(3);
				nest[k++] = I(MOAT_LDX | MOAT_MEM | MOAT_DW, 1, 10, -8, 0);
				nest[k++] = I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, 10);
				nest[k++] = I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 1, 0, 0);
			} else {
				nest[k++] = MOV64K(0, 7);
			}
			nest[k++] = EXIT;
		}
		/* the call skips LDX, MUL, ADD, EXIT of its caller: fix the offsets */
		for (size_t i = 0; i < k; i++)
			if (nest[i].code == (MOAT_JMP | MOAT_CALL))
				nest[i].imm = 4;
		is_u64(run_mem(nest, k, NULL, 0), 76543210ull, "eight frames deep");
	}
	/* Unverified programs (the verifier refuses them) still hit the JIT's
	 * own run-time limits, as in the interpreter. */
	const struct moat_insn rec[] = { CALL_LOCAL(-1), EXIT };
	uint64_t r0;
	struct moat_exec *e = exec_unverified(rec, N(rec));
	ok(e && moat_exec_run(e, NULL, 0, &r0, &err) == -E2BIG && err.insn == 0,
	   "frame limit enforced at run time (%s)", err.msg);
	exec_unverified_free(e);
	const struct moat_insn cx[] = { MOV64K(4, 4242), I(MOAT_JMP | MOAT_CALL | MOAT_X, 4, 0, 0, 0),
					EXIT };
	e = exec_unverified(cx, N(cx));
	ok(e && moat_exec_run(e, NULL, 0, &r0, &err) == -EINVAL && err.insn == 1 &&
		   strstr(err.msg, "4242"), "callx of an unknown helper fails (%s)", err.msg);
	exec_unverified_free(e);
	const struct moat_insn fall[] = { MOV64K(0, 1), I(MOAT_JMP | MOAT_JA, 0, 0, 0, 0) };
	e = exec_unverified(fall, N(fall));
	ok(e && moat_exec_run(e, NULL, 0, &r0, &err) == -EINVAL && strstr(err.msg, "left the program"),
	   "falling off the end fails (%s)", err.msg);
	exec_unverified_free(e);
	is_u64(RUN(MOV64K(0, 3), MOV64K(4, MOAT_FN_get_smp_processor_id),
		   I(MOAT_JMP | MOAT_CALL | MOAT_X, 4, 0, 0, 0), EXIT), 0, "callx");
	/* helpers: r1-r5 reach them; prandom advances the VM's state */
	is_u64(RUN(MOV64K(6, 0), CALL(MOAT_FN_get_prandom_u32), MOV64X(6, 0),
		   CALL(MOAT_FN_get_prandom_u32), I(MOAT_ALU64 | MOAT_XOR | MOAT_X, 0, 6, 0, 0), EXIT) != 0,
	       1, "helpers called (prandom)");
}

static uint64_t sum5(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		     struct moat_call *c)
{
	return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5 + (uintptr_t)moat_call_user(c);
}

static void test_helper_args(void)
{
	struct moat_error err;
	static const struct moat_helper_proto proto = {
		"sum5", MOAT_RET_INTEGER,
		{ MOAT_ARG_ANYTHING, MOAT_ARG_ANYTHING, MOAT_ARG_ANYTHING, MOAT_ARG_ANYTHING,
		  MOAT_ARG_ANYTHING }, 0, false };
	ok(moat_vm_add_helper(vm, 1000, &proto, sum5, (void *)(uintptr_t)1000000, &err) == 0,
	   "custom helper registered");
	is_u64(RUN(MOV64K(1, 1), MOV64K(2, 10), MOV64K(3, 100), MOV64K(4, 1000), MOV64K(5, 10000),
		   MOV64K(6, 5), CALL(1000), I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 6, 0, 0), EXIT),
	       1 + 20 + 300 + 4000 + 50000 + 1000000 + 5,
	       "five arguments, the user pointer, r6 preserved across the call");
}

static void test_tail_calls(void)
{
	struct moat_error err;
	/* one entry: kernel-bound types reach map values directly only then */
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = 1);
	struct moat_map *arr = moat_map_new(&d, &err);
	MOAT_OPTS(moat_map_def, pd, .type = MOAT_MAP_PROG_ARRAY, .key_size = 4, .value_size = 4,
		  .max_entries = 2);
	struct moat_map *pa = moat_map_new(&pd, &err);
	/* counter++ in arr[0], then tail-call itself through pa[0] from inside a
	 * local call; the return value is the counter after the failed 34th */
	const struct moat_insn tc[] = {
		MOV64X(6, 1),
		I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, 0),
		LDDW(1, MOAT_PSEUDO_MAP_FD, 0, 0),
		MOV64X(2, 10),
		I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 2, 0, 0, -4),
		CALL(MOAT_FN_map_lookup_elem),
		I(MOAT_JMP | MOAT_JEQ | MOAT_K, 0, 0, 4, 0),
		MOV64K(1, 1),
		I(MOAT_STX | MOAT_ATOMIC | MOAT_DW, 0, 1, 0, MOAT_ADD),
		MOV64X(1, 6),
		CALL_LOCAL(4),
		LDDW(1, MOAT_PSEUDO_MAP_VALUE, 0, 0),
		I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 1, 0, 0),
		EXIT,
		/* f(ctx): tail_call(ctx, pa, 0) */
		LDDW(2, MOAT_PSEUDO_MAP_FD, 1, 0),
		MOV64K(3, 0),
		CALL(MOAT_FN_tail_call),
		MOV64K(0, 0),
		EXIT,
	};
	/* the tail-call helper takes the context: a type with one */
	uint8_t ctx[64] = { 0 };
	struct moat_prog *p = moat_prog_new(MOAT_PROG_RAW_TRACEPOINT, tc, N(tc), &err);
	moat_prog_add_map(p, arr, &err);
	moat_prog_add_map(p, pa, &err);
	struct moat_exec *e = moat_exec_new(vm, p, NULL, &err);
	bool forced = e && moat_exec_force_jit(e, harden, &err) == 0;
	ok(forced, "tail-call program compiled (%s)", forced ? "" : err.msg);
	if (forced) {
		uint64_t r0 = 0;
		moat_prog_array_set(pa, 0, e, &err);
		ok(moat_exec_run(e, ctx, sizeof(ctx), &r0, &err) == 0, "tail-call chain runs (%s)", err.msg);
		is_u64(r0, 34, "one run plus 33 tail calls");
		uint32_t k = 0;
		uint64_t v = 0;
		moat_map_update(arr, &k, &v, 0, &err);
		/* an interpreted exec in the array: the chain continues there */
		struct moat_exec *ie = moat_exec_new(vm, p, NULL, &err);
		moat_prog_array_set(pa, 0, ie, &err);
		ok(moat_exec_run(e, ctx, sizeof(ctx), &r0, &err) == 0 && r0 == 35,
		   "JIT tail-calls into the interpreter (r0 %llu)", (unsigned long long)r0);
		moat_map_update(arr, &k, &v, 0, &err);
		moat_prog_array_set(pa, 0, e, &err);
		ok(moat_exec_run(ie, ctx, sizeof(ctx), &r0, &err) == 0 && r0 == 34,
		   "the interpreter tail-calls a JIT exec (r0 %llu)", (unsigned long long)r0);
		moat_prog_array_set(pa, 0, NULL, &err);
		moat_exec_free(ie);
	}
	moat_exec_free(e);
	moat_prog_free(p);
	moat_map_free(arr);
	moat_map_free(pa);
}

/* Blinding: no program immediate appears in the code, results stay. */
static void test_harden(void)
{
	struct moat_error err;
	const struct moat_insn q[] = {
		I(MOAT_ALU64 | MOAT_MOV | MOAT_K, 0, 0, 0, 0x3c5a7e11),
		I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 0, 0, 0, 0x3c5a7e12),
		I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, 0x3c5a7e13),
		I(MOAT_LDX | MOAT_MEM | MOAT_W, 1, 10, -4, 0),
		I(MOAT_ALU64 | MOAT_XOR | MOAT_X, 0, 1, 0, 0),
		I(MOAT_JMP | MOAT_JEQ | MOAT_K, 0, 0, 2, 0x3c5a7e14),
		LDDW(2, 0, 0x3c5a7e15, 0x3c5a7e16),
		I(MOAT_ALU64 | MOAT_DIV | MOAT_K, 0, 0, 0, 0x3c5a7e17),
		EXIT,
	};
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, q, N(q), &err);
	uint64_t want = 0, got[2] = { 0, 0 };
	int found[2] = { 0, 0 };
	struct moat_exec *ref = moat_exec_new(vm, p, NULL, &err);
	if (!ok(ref != NULL, "blinding test program verified (%s)", ref ? "" : err.msg)) {
		moat_prog_free(p);
		return;
	}
	moat_exec_run(ref, NULL, 0, &want, &err);
	moat_exec_free(ref);
	for (int h = 0; h < 2; h++) {
		struct moat_exec *e = moat_exec_new(vm, p, NULL, &err);
		if (!e || moat_exec_force_jit(e, h, &err) < 0) {
			moat_exec_free(e);
			continue;
		}
		size_t len;
		const uint8_t *c = moat_exec_code(e, &len);
		for (size_t i = 0; i + 4 <= len; i++) {
			uint32_t v;
			memcpy(&v, c + i, 4);
			found[h] += (v & 0xfffffff0u) == 0x3c5a7e10u;
		}
		moat_exec_run(e, NULL, 0, &got[h], &err);
		moat_exec_free(e);
	}
	ok(found[0] >= 6, "plain code holds the immediates (%d)", found[0]);
	is_int(found[1], 0, "blinded code holds none of them");
	ok(got[0] == want && got[1] == want, "blinded code computes the same r0");
	moat_prog_free(p);
}

/* A big straight-line program: compiles, runs, and reports its compile time. */
static void test_big(void)
{
	struct moat_error err;
	size_t n = 100000;
	struct moat_insn *big = calloc(n, sizeof(*big));
	size_t k = 0;
	big[k++] = MOV64K(0, 0);
	big[k++] = MOV64K(1, 1);
	while (k < n - 1) {
		unsigned r = (unsigned)k % 4;
		if (r == 2 && k + 3 >= n)
			r = 0; /* no jump onto the exit's successor */
		big[k] = r == 0 ? I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 1, 0, 0)
		       : r == 1 ? I(MOAT_ALU64 | MOAT_XOR | MOAT_K, 0, 0, 0, (int32_t)k)
		       : r == 2 ? I(MOAT_JMP | MOAT_JGT | MOAT_K, 0, 0, 1, 5)
				: I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 1, 0, 0, 3);
		k++;
	}
	big[k++] = EXIT;
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, big, k, &err);
	struct moat_exec *e = moat_exec_new(vm, p, NULL, &err);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = e ? moat_exec_force_jit(e, false, &err) : -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ok(r == 0, "100,000 instructions compile (%.1f ms under sanitizers)", ms);
	moat_exec_free(e);
	uint64_t r0 = run_mem(big, k, NULL, 0);
	ok(r0 != ~0ull, "and agree with the interpreter");
	moat_prog_free(p);
	free(big);
}

static uint64_t run_conf(const struct moat_conf_test *t, void *arg)
{
	(void)arg;
	return run_mem(t->insns, t->n_insns, t->mem, t->mem_len);
}

/* Every test of the conformance suite that has a result, through the JIT. */
static void test_conformance(bool blind)
{
	struct moat_vm *saved = vm;
	vm = conf_suite_vm();
	harden = blind;
	int tried, good = conf_suite_results(run_conf, NULL, &tried);
	harden = false;
	moat_vm_free(vm);
	vm = saved;
	if (good >= 0)
		ok(tried > 150 && good == tried, "conformance suite under the JIT%s: %d/%d",
		   blind ? " with blinding" : "", good, tried);
}

int main(void)
{
	struct moat_error err;
	vm = moat_vm_new(NULL, &err);
	test_refusal();
	for (int h = 0; h < 2; h++) {
		harden = h;
		diag("constant blinding %s", h ? "on" : "off");
		test_alu();
		test_register_pairs();
		test_atomic_pairs();
		test_jmp();
		test_mem();
		test_calls();
		test_tail_calls();
	}
	harden = false;
	test_helper_args();
	test_harden();
	test_big();
	test_conformance(false);
	test_conformance(true);
	ok(mismatches == 0, "no interpreter/JIT mismatch anywhere (%d)", mismatches);
	moat_vm_free(vm);
	return tap_done();
}
