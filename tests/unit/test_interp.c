/* Unit tests for the interpreter (both loops), the VM, helpers and exec. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <moat/moat.h>
#include "engine/exec_internal.h"
#include "conf_suite.h"
#include "tap.h"

#define I MOAT_INSN
#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EXIT I(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0)
#define MOV64K(d, k) I(MOAT_ALU64 | MOAT_MOV | MOAT_K, d, 0, 0, k)
#define MOV32K(d, k) I(MOAT_ALU | MOAT_MOV | MOAT_K, d, 0, 0, k)
#define LDDW(d, src, lo, hi) I(MOAT_LD | MOAT_IMM | MOAT_DW, d, src, 0, lo), I(0, 0, 0, 0, hi)

static struct moat_vm *vm;

/* Runs insns in one mode; returns the run's status and r0 in *r0. */
static int run_mode(struct moat_prog *p, bool unchecked, void *mem, size_t len, uint64_t *r0,
		    struct moat_error *err)
{
	MOAT_OPTS(moat_exec_opts, o, .mem_len = len);
	struct moat_exec *e = moat_exec_new(vm, p, &o, err);
	if (!e)
		return -1000;
	if (unchecked)
		moat_exec_force_unchecked(e);
	int r = moat_exec_run(e, mem, len, r0, err);
	moat_exec_free(e);
	return r;
}

/* The checked interpreter on an unverified program: faults are caught at
 * run time.  Returns the run's status (-1000 when the exec failed). */
static int run_unverified(struct moat_prog *p, void *mem, size_t len, uint64_t *r0,
			  struct moat_error *err)
{
	MOAT_OPTS(moat_exec_opts, o, .mode = MOAT_EXEC_CHECKED, .unverified = true, .mem_len = len);
	struct moat_exec *e = moat_exec_new(vm, p, &o, err);
	if (!e)
		return -1000;
	int r = moat_exec_run(e, mem, len, r0, err);
	moat_exec_free(e);
	return r;
}

/* The verifier rejects p (for a mem buffer of len bytes) at instruction insn. */
static bool rejected_at(struct moat_prog *p, size_t len, long insn)
{
	struct moat_error err;
	moat_error_clear(&err);
	MOAT_OPTS(moat_verify_opts, o, .vm = vm, .mem_len = len);
	int r = moat_verify(p, &o, NULL, &err);
	if (r == 0 || err.insn != insn)
		diag("verifier: %d at insn %ld: %s", r, err.insn, err.msg);
	return r == -EACCES && err.insn == insn;
}

/* Runs in both loops and checks they agree; returns r0 (or ~0 on failure). */
static uint64_t run(const struct moat_insn *insns, size_t n, void *mem, size_t len)
{
	struct moat_error err;
	moat_error_clear(&err);
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, insns, n, &err);
	uint64_t a = ~0ull, b = ~0ull;
	int ra = p ? run_mode(p, false, mem, len, &a, &err) : -1;
	if (ra < 0)
		diag("checked run failed: insn %ld: %s", err.insn, err.msg);
	int rb = p ? run_mode(p, true, mem, len, &b, &err) : -1;
	if (ra != rb || a != b)
		diag("checked and unchecked disagree: %d/%d 0x%llx/0x%llx", ra, rb,
		     (unsigned long long)a, (unsigned long long)b);
	moat_prog_free(p);
	return ra < 0 || ra != rb || a != b ? ~0ull : a;
}

#define RUN(...) ({ const struct moat_insn _p[] = { __VA_ARGS__ }; run(_p, N(_p), NULL, 0); })

static void test_alu(void)
{
	is_u64(RUN(MOV64K(0, -1), EXIT), ~0ull, "mov64 sign-extends imm");
	is_u64(RUN(MOV32K(0, -1), EXIT), 0xffffffffull, "mov32 zero-extends");
	is_u64(RUN(MOV64K(0, -1), I(MOAT_ALU | MOAT_ADD | MOAT_K, 0, 0, 0, 1), EXIT), 0,
	       "32-bit add wraps and zero-extends");
	is_u64(RUN(MOV64K(0, 7), MOV64K(1, 0), I(MOAT_ALU64 | MOAT_DIV | MOAT_X, 0, 1, 0, 0), EXIT),
	       0, "div by zero register gives 0");
	is_u64(RUN(MOV64K(0, 7), MOV64K(1, 0), I(MOAT_ALU64 | MOAT_MOD | MOAT_X, 0, 1, 0, 0), EXIT),
	       7, "mod by zero keeps dst");
	is_u64(RUN(MOV64K(0, 7), I(MOAT_ALU | MOAT_MOD | MOAT_K, 0, 0, 0, 0), EXIT), 7,
	       "mod32 by zero imm keeps dst");
	is_u64(RUN(LDDW(0, 0, 0, (int32_t)0x80000000), MOV64K(1, -1),
		   I(MOAT_ALU64 | MOAT_DIV | MOAT_X, 0, 1, 1, 0), EXIT),
	       0x8000000000000000ull, "sdiv INT64_MIN / -1 = INT64_MIN");
	is_u64(RUN(MOV32K(0, (int32_t)0x80000000), I(MOAT_ALU | MOAT_MOD | MOAT_K, 0, 0, 1, -1), EXIT),
	       0, "smod32 INT_MIN %% -1 = 0");
	is_u64(RUN(MOV64K(0, -7), I(MOAT_ALU64 | MOAT_DIV | MOAT_K, 0, 0, 1, 2), EXIT), (uint64_t)-3,
	       "sdiv rounds toward zero");
	is_u64(RUN(MOV64K(0, 1), MOV64K(1, 65), I(MOAT_ALU64 | MOAT_LSH | MOAT_X, 0, 1, 0, 0), EXIT),
	       2, "64-bit shift count masked to 6 bits");
	is_u64(RUN(MOV64K(0, 1), MOV64K(1, 33), I(MOAT_ALU | MOAT_LSH | MOAT_X, 0, 1, 0, 0), EXIT), 2,
	       "32-bit shift count masked to 5 bits");
	is_u64(RUN(MOV64K(0, -16), I(MOAT_ALU | MOAT_ARSH | MOAT_K, 0, 0, 0, 2), EXIT), 0xfffffffcull,
	       "arsh32 sign-fills within 32 bits");
	is_u64(RUN(MOV64K(1, 0x80), I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 0, 1, 8, 0), EXIT),
	       (uint64_t)-128, "movsx8 sign-extends");
	is_u64(RUN(MOV64K(1, 0x8000), I(MOAT_ALU | MOAT_MOV | MOAT_X, 0, 1, 16, 0), EXIT),
	       0xffff8000ull, "movsx16 to 32 bits zero-extends the top");
	is_u64(RUN(MOV64K(0, 5), I(MOAT_ALU64 | MOAT_NEG, 0, 0, 0, 0), EXIT), (uint64_t)-5, "neg");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU | MOAT_END | MOAT_TO_BE, 0, 0, 0, 32),
		   EXIT), 0x88776655ull, "be32 swaps and truncates");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU | MOAT_END | MOAT_TO_LE, 0, 0, 0, 16),
		   EXIT), 0x7788ull, "le16 truncates");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), I(MOAT_ALU64 | MOAT_END, 0, 0, 0, 64), EXIT),
	       0x8877665544332211ull, "bswap64");
	is_u64(RUN(LDDW(0, 0, 0x55667788, 0x11223344), EXIT), 0x1122334455667788ull, "lddw");
}

static void test_jmp(void)
{
	is_u64(RUN(MOV64K(0, 1), MOV64K(1, -1), I(MOAT_JMP | MOAT_JSGT | MOAT_K, 1, 0, 1, 0),
		   MOV64K(0, 2), EXIT), 2, "jsgt is signed");
	is_u64(RUN(MOV64K(0, 1), MOV64K(1, -1), I(MOAT_JMP | MOAT_JGT | MOAT_K, 1, 0, 1, 0),
		   MOV64K(0, 2), EXIT), 1, "jgt is unsigned");
	is_u64(RUN(MOV64K(0, 1), LDDW(1, 0, 5, 1), I(MOAT_JMP32 | MOAT_JEQ | MOAT_K, 1, 0, 1, 5),
		   MOV64K(0, 2), EXIT), 1, "jeq32 compares the low half");
	is_u64(RUN(MOV64K(0, 1), I(MOAT_JMP32 | MOAT_JA, 0, 0, 0, 1), MOV64K(0, 2), EXIT), 1,
	       "ja32 uses imm");
	/* loop: sum 1..10 */
	is_u64(RUN(MOV64K(0, 0), MOV64K(1, 10), I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 1, 0, 0),
		   I(MOAT_ALU64 | MOAT_SUB | MOAT_K, 1, 0, 0, 1),
		   I(MOAT_JMP | MOAT_JNE | MOAT_K, 1, 0, -3, 0), EXIT), 55, "backward jumps loop");
}

static void test_mem(void)
{
	uint8_t mem[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0xff };
	const struct moat_insn p1[] = { I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 1, 0, 0), EXIT };
	is_u64(run(p1, N(p1), mem, sizeof(mem)), 0x8877665544332211ull, "ldxdw little-endian");
	const struct moat_insn p2[] = { I(MOAT_LDX | MOAT_MEMSX | MOAT_B, 0, 1, 8, 0), EXIT };
	is_u64(run(p2, N(p2), mem, sizeof(mem)), (uint64_t)-1, "ldxsb sign-extends");
	const struct moat_insn p3[] = { I(MOAT_ST | MOAT_MEM | MOAT_H, 10, 0, -2, 0x1234),
					MOV64K(1, 0x7ab),
					I(MOAT_STX | MOAT_MEM | MOAT_B, 10, 1, -1, 0),
					I(MOAT_LDX | MOAT_MEM | MOAT_H, 0, 10, -2, 0), EXIT };
	uint8_t before = mem[0];
	(void)before;
	is_u64(run(p3, N(p3), mem, sizeof(mem)) & 0xff, 0x34, "stack store and load");
	const struct moat_insn p4[] = { I(MOAT_LD | MOAT_ABS | MOAT_W, 0, 0, 0, 1), EXIT };
	is_u64(run(p4, N(p4), mem, sizeof(mem)), 0x22334455ull, "ld_abs is big-endian");
	const struct moat_insn p5[] = { MOV64K(0, 9), MOV64K(3, 14),
					I(MOAT_LD | MOAT_IND | MOAT_W, 0, 3, 0, 0), MOV64K(0, 5),
					EXIT };
	is_u64(run(p5, N(p5), mem, sizeof(mem)), 0, "ld_ind out of the packet exits with 0");
}

static void test_atomic(void)
{
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 40), MOV64K(1, 2),
		   I(MOAT_STX | MOAT_ATOMIC | MOAT_DW, 10, 1, -8, MOAT_ADD),
		   I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0), EXIT), 42, "atomic add");
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, 40), MOV64K(1, 2),
		   I(MOAT_STX | MOAT_ATOMIC | MOAT_W, 10, 1, -4, MOAT_ADD | MOAT_FETCH),
		   I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 0, 1, 0, 0), EXIT), 40, "fetch add returns old");
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 7), MOV64K(1, 9),
		   I(MOAT_STX | MOAT_ATOMIC | MOAT_DW, 10, 1, -8, MOAT_XCHG),
		   I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0),
		   I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, 10),
		   I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 1, 0, 0), EXIT), 97, "xchg");
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, 5), MOV64K(0, 5), MOV64K(1, 6),
		   I(MOAT_STX | MOAT_ATOMIC | MOAT_W, 10, 1, -4, MOAT_CMPXCHG),
		   I(MOAT_LDX | MOAT_MEM | MOAT_W, 2, 10, -4, 0),
		   I(MOAT_ALU64 | MOAT_LSH | MOAT_K, 0, 0, 0, 8),
		   I(MOAT_ALU64 | MOAT_OR | MOAT_X, 0, 2, 0, 0), EXIT), 0x506, "cmpxchg swaps on match");
}

static void test_calls(void)
{
	/* main: r6 = 6; call f; r0 += r6; exit.  f: r6 = 100; r0 = r1 * 2; exit */
	is_u64(RUN(MOV64K(6, 6), MOV64K(1, 20), I(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_LOCAL, 0, 2),
		   I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 6, 0, 0), EXIT,
		   MOV64K(6, 100), I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 0, 1, 0, 0),
		   I(MOAT_ALU64 | MOAT_MUL | MOAT_K, 0, 0, 0, 2), EXIT), 46,
	       "local call: r6-r9 restored, r0 returned");
	/* each frame has its own stack */
	is_u64(RUN(I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 1),
		   I(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_LOCAL, 0, 2),
		   I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0), EXIT,
		   I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 2), MOV64K(0, 0), EXIT), 1,
	       "frames do not share stack");
	/* recursion deeper than 8 frames fails */
	struct moat_error err;
	const struct moat_insn rec[] = { I(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_LOCAL, 0, -1), EXIT };
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, rec, N(rec), &err);
	uint64_t r0;
	ok(run_mode(p, false, NULL, 0, &r0, &err) < 0 && err.insn == 0, "frame limit enforced");
	moat_prog_free(p);
	/* helper through callx: get_smp_processor_id = 8 returns 0 */
	is_u64(RUN(MOV64K(0, 3), MOV64K(4, MOAT_FN_get_smp_processor_id),
		   I(MOAT_JMP | MOAT_CALL | MOAT_X, 4, 0, 0, 0), EXIT), 0, "callx calls by value");
}

static void test_checked(void)
{
	struct moat_error err;
	uint8_t mem[8] = { 0 };
	const struct moat_insn p1[] = { MOV64K(0, 0), I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 1, 4, 0),
					EXIT };
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, p1, N(p1), &err);
	uint64_t r0;
	int r = run_unverified(p, mem, sizeof(mem), &r0, &err);
	ok(r == -EFAULT && err.insn == 1, "out-of-bounds load faults at insn 1 (%s)", err.msg);
	ok(rejected_at(p, sizeof(mem), 1), "the verifier rejects it at insn 1");
	moat_prog_free(p);
	const struct moat_insn p2[] = { MOV64K(0, 0), I(MOAT_ST | MOAT_MEM | MOAT_B, 10, 0, 0, 1),
					EXIT };
	p = moat_prog_new(MOAT_PROG_MEM, p2, N(p2), &err);
	ok(run_unverified(p, NULL, 0, &r0, &err) == -EFAULT, "store above the stack faults");
	ok(rejected_at(p, 0, 1), "the verifier rejects the store above the stack");
	moat_prog_free(p);
	const struct moat_insn p3[] = { MOV64K(1, 0), MOV64K(2, 0), I(MOAT_JMP | MOAT_CALL, 0, 0, 0, 1),
					EXIT };
	p = moat_prog_new(MOAT_PROG_MEM, p3, N(p3), &err);
	ok(run_unverified(p, NULL, 0, &r0, &err) == -EFAULT,
	   "bad map pointer to a helper is caught (%s)", err.msg);
	ok(rejected_at(p, 0, 2), "the verifier rejects the bad map pointer");
	moat_prog_free(p);
	const struct moat_insn p4[] = { MOV64K(0, 0), I(MOAT_ST | MOAT_MEM | MOAT_B, 10, 0, -513, 1),
					EXIT };
	p = moat_prog_new(MOAT_PROG_MEM, p4, N(p4), &err);
	ok(run_unverified(p, NULL, 0, &r0, &err) == -EFAULT && err.insn == 1,
	   "store below the live frames faults");
	ok(rejected_at(p, 0, 1), "the verifier rejects the store below the stack");
	moat_prog_free(p);
	/* the callee writes into its caller's frame through a pointer */
	const struct moat_insn p5[] = {
		I(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8, 0),
		I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 1, 10, 0, 0),
		I(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_LOCAL, 0, 2),
		I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0), EXIT,
		I(MOAT_ST | MOAT_MEM | MOAT_DW, 1, 0, -8, 77), MOV64K(0, 0), EXIT,
	};
	is_u64(run(p5, N(p5), NULL, 0), 77, "callee may write the caller's live frame");
	MOAT_OPTS(moat_exec_opts, o, .unverified = true);
	ok(!moat_exec_new(vm, p = moat_prog_new(MOAT_PROG_MEM, p2, N(p2), &err), &o, &err),
	   "unverified needs the checked mode");
	moat_prog_free(p);
	const struct moat_insn bad[] = { I(0xff, 0, 0, 0, 0), EXIT };
	p = moat_prog_new(MOAT_PROG_MEM, bad, N(bad), &err);
	ok(!moat_exec_new(vm, p, NULL, &err) && err.insn == 0, "verifier rejects bad opcode");
	moat_prog_free(p);
}

static void test_maps(void)
{
	struct moat_error err;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = 4);
	struct moat_map *arr = moat_map_new(&d, &err);
	MOAT_OPTS(moat_map_def, pd, .type = MOAT_MAP_PROG_ARRAY, .key_size = 4, .value_size = 4,
		  .max_entries = 2);
	struct moat_map *pa = moat_map_new(&pd, &err);
	if (!ok(arr && pa, "maps created")) {
		diag("%s", err.msg);
		return;
	}
	/* counter++ in arr[0], then tail-call itself through pa[0]; the return
	 * value is the counter after the last (failed) tail call */
	const struct moat_insn tc[] = {
		I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 6, 1, 0, 0),
		I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, 0),
		LDDW(1, MOAT_PSEUDO_MAP_FD, 0, 0),
		I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 2, 10, 0, 0),
		I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 2, 0, 0, -4),
		I(MOAT_JMP | MOAT_CALL, 0, 0, 0, MOAT_FN_map_lookup_elem),
		I(MOAT_JMP | MOAT_JEQ | MOAT_K, 0, 0, 7, 0),
		MOV64K(1, 1),
		I(MOAT_STX | MOAT_ATOMIC | MOAT_DW, 0, 1, 0, MOAT_ADD),
		I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 1, 6, 0, 0),
		LDDW(2, MOAT_PSEUDO_MAP_FD, 1, 0),
		MOV64K(3, 0),
		I(MOAT_JMP | MOAT_CALL, 0, 0, 0, MOAT_FN_tail_call),
		LDDW(1, MOAT_PSEUDO_MAP_VALUE, 0, 0), /* r1 = &arr[0] */
		I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 1, 0, 0),
		EXIT,
	};
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, tc, N(tc), &err);
	moat_prog_add_map(p, arr, &err);
	moat_prog_add_map(p, pa, &err);
	struct moat_exec *e = moat_exec_new(vm, p, NULL, &err);
	ok(e != NULL, "tail-call program accepted (%s)", e ? "" : err.msg);
	uint64_t r0 = 0;
	if (e) {
		ok(moat_prog_array_set(pa, 0, e, &err) == 0, "prog array set");
		ok(moat_exec_run(e, NULL, 0, &r0, &err) == 0, "tail-call chain runs (%s)", err.msg);
		is_u64(r0, 34, "one run plus 33 tail calls");
		moat_prog_array_set(pa, 0, NULL, &err);
		uint32_t k = 0;
		uint64_t v = 0;
		moat_map_lookup(arr, &k, &v, &err);
		is_u64(v, 34, "map value updated by the program");
	}
	moat_exec_free(e);
	moat_prog_free(p);
	moat_map_free(arr);
	moat_map_free(pa);
}

static int consume(void *arg, const void *data, size_t len)
{
	if (len == 8)
		memcpy(arg, data, 8);
	return 0;
}

static void test_ringbuf(void)
{
	struct moat_error err;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_RINGBUF, .max_entries = 4096);
	struct moat_map *rb = moat_map_new(&d, &err);
	if (!ok(rb != NULL, "ring buffer created"))
		return;
	/* reserve 8 bytes, write, submit; then (second program) write after submit */
	for (int late = 0; late < 2; late++) {
		const struct moat_insn p[] = {
			LDDW(1, MOAT_PSEUDO_MAP_FD, 0, 0), MOV64K(2, 8), MOV64K(3, 0),
			I(MOAT_JMP | MOAT_CALL, 0, 0, 0, MOAT_FN_ringbuf_reserve),
			I(MOAT_JMP | MOAT_JEQ | MOAT_K, 0, 0, 6, 0),
			I(MOAT_ST | MOAT_MEM | MOAT_DW, 0, 0, 0, 0x1234),
			I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 6, 0, 0, 0),
			I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 1, 0, 0, 0), MOV64K(2, 0),
			I(MOAT_JMP | MOAT_CALL, 0, 0, 0, MOAT_FN_ringbuf_submit),
			late ? I(MOAT_ST | MOAT_MEM | MOAT_DW, 6, 0, 0, 1) : MOV64K(0, 0),
			MOV64K(0, 0), EXIT,
		};
		struct moat_prog *pr = moat_prog_new(MOAT_PROG_MEM, p, N(p), &err);
		moat_prog_add_map(pr, rb, &err);
		MOAT_OPTS(moat_exec_opts, o, .mode = late ? MOAT_EXEC_CHECKED : MOAT_EXEC_INTERP,
			  .unverified = late);
		struct moat_exec *e = moat_exec_new(vm, pr, &o, &err);
		uint64_t r0 = 1, got = 0;
		int r = e ? moat_exec_run(e, NULL, 0, &r0, &err) : -1;
		if (!late) {
			ok(r == 0 && r0 == 0, "reserve/submit program runs (%s)", r ? err.msg : "");
			is_int(moat_ringbuf_consume(rb, consume, &got, &err), 1, "one record consumed");
			is_u64(got, 0x1234, "record holds what the program wrote");
		} else {
			ok(r == -EFAULT && err.insn == 11, "write after submit faults (%s)", err.msg);
			ok(rejected_at(pr, 0, 11), "the verifier rejects the write after submit");
		}
		moat_exec_free(e);
		moat_prog_free(pr);
	}
	moat_map_free(rb);
}

static char printed[256];
static void sink(void *arg, const char *text, size_t len)
{
	(void)arg;
	snprintf(printed, sizeof(printed), "%.*s", (int)len, text);
}

static void test_helpers(void)
{
	struct moat_error err;
	MOAT_OPTS(moat_vm_opts, vo, .print = { sink, NULL });
	struct moat_vm *pv = moat_vm_new(&vo, &err);
	/* "x=%d %llx\0" on the stack, trace_printk(fmt, 10, -3, 0xbeef) */
	const struct moat_insn p[] = {
		LDDW(1, 0, 0x64253d78, 0x6c6c2520), /* "x=%d %ll" */
		I(MOAT_STX | MOAT_MEM | MOAT_DW, 10, 1, -16, 0),
		LDDW(1, 0, 0x78, 0),
		I(MOAT_STX | MOAT_MEM | MOAT_DW, 10, 1, -8, 0),
		I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 1, 10, 0, 0),
		I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 1, 0, 0, -16),
		MOV64K(2, 16), MOV64K(3, -3), MOV64K(4, 0xbeef), MOV64K(5, 0),
		I(MOAT_JMP | MOAT_CALL, 0, 0, 0, MOAT_FN_trace_printk), EXIT,
	};
	struct moat_prog *pr = moat_prog_new(MOAT_PROG_MEM, p, N(p), &err);
	struct moat_exec *e = moat_exec_new(pv, pr, NULL, &err);
	uint64_t r0 = 0;
	ok(e && moat_exec_run(e, NULL, 0, &r0, &err) == 0, "trace_printk runs");
	is_str(printed, "x=-3 beef", "trace_printk formats %%d and %%llx");
	moat_exec_free(e);
	moat_prog_free(pr);
	const struct moat_insn q[] = { I(MOAT_JMP | MOAT_CALL, 0, 0, 0, MOAT_FN_get_prandom_u32),
				       EXIT };
	pr = moat_prog_new(MOAT_PROG_MEM, q, N(q), &err);
	e = moat_exec_new(pv, pr, NULL, &err);
	uint64_t a = 0, b = 0;
	moat_exec_run(e, NULL, 0, &a, &err);
	moat_exec_run(e, NULL, 0, &b, &err);
	ok(a != b && a <= 0xffffffffull, "prandom differs between calls and is 32-bit");
	moat_exec_free(e);
	moat_prog_free(pr);
	ok(moat_vm_helper_proto(pv, MOAT_FN_map_lookup_elem) &&
	   moat_vm_helper_proto(pv, MOAT_FN_map_lookup_elem)->ret == MOAT_RET_MAP_VALUE_OR_NULL,
	   "map_lookup_elem proto");
	ok(moat_vm_helper_proto(pv, 999) == NULL, "unknown helper has no proto");
	moat_vm_free(pv);
	/* a cgroup_device program reading its context's fields: moat's VM
	 * does not convert that layout, so it runs checked and never in the
	 * JIT */
	const struct moat_insn sk[] = { I(MOAT_LDX | MOAT_MEM | MOAT_W, 0, 1, 0, 0),
					I(MOAT_ALU64 | MOAT_AND | MOAT_K, 0, 0, 0, 1), EXIT };
	pr = moat_prog_new(MOAT_PROG_CGROUP_DEVICE, sk, N(sk), &err);
	MOAT_OPTS(moat_exec_opts, jo, .mode = MOAT_EXEC_JIT);
	ok(!moat_exec_new(vm, pr, &jo, &err) && err.errnum == EOPNOTSUPP,
	   "context-reading programs are refused by the JIT (%s)", err.msg);
	e = moat_exec_new(vm, pr, NULL, &err);
	ok(e && e->checked, "and run in the checked interpreter");
	moat_exec_free(e);
	moat_prog_free(pr);
	/* a socket filter's __sk_buff is moat_skb_ctx: it runs unchecked */
	pr = moat_prog_new(MOAT_PROG_SOCKET_FILTER, sk, N(sk), &err);
	e = moat_exec_new(vm, pr, NULL, &err);
	ok(e && !e->checked, "a socket filter reading __sk_buff runs unchecked");
	moat_exec_free(e);
	moat_prog_free(pr);
	/* verified mem programs run unchecked, and only on as much input as
	 * the verifier assumed */
	const struct moat_insn ld[] = { I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 1, 0, 0), EXIT };
	pr = moat_prog_new(MOAT_PROG_MEM, ld, N(ld), &err);
	MOAT_OPTS(moat_exec_opts, mo, .mem_len = 8);
	e = moat_exec_new(vm, pr, &mo, &err);
	uint8_t buf[8] = { 1 };
	r0 = 0;
	ok(e && !e->checked && moat_exec_run(e, buf, 8, &r0, &err) == 0 && r0 == 1,
	   "a verified mem program runs unchecked");
	ok(e && moat_exec_run(e, buf, 4, &r0, &err) == -EINVAL,
	   "a shorter input than verified is refused (%s)", err.msg);
	moat_exec_free(e);
	moat_prog_free(pr);
}

/* Verifies insns; returns the error's instruction (-1 when accepted) and
 * checks the message contains `what`. */
static long verify(const struct moat_insn *insns, size_t n, const char *what)
{
	struct moat_error err;
	moat_error_clear(&err);
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, insns, n, &err);
	struct moat_verify_stats st;
	int r = moat_verify(p, NULL, &st, &err);
	moat_prog_free(p);
	if (r == 0)
		return -1;
	if (what && !strstr(err.msg, what))
		diag("message '%s' lacks '%s'", err.msg, what);
	return what && !strstr(err.msg, what) ? -2 : err.insn;
}

#define VERIFY(what, ...) \
	({ const struct moat_insn _p[] = { __VA_ARGS__ }; verify(_p, N(_p), what); })

static void test_verify(void)
{
	is_int(VERIFY(NULL, MOV64K(0, 0), EXIT), -1, "minimal program accepted");
	is_int(VERIFY("falls off", MOV64K(0, 0)), 0, "falling off the end rejected");
	is_int(VERIFY("read before", I(MOAT_ALU64 | MOAT_OR | MOAT_X, 0, 10, 0, 0), EXIT), 0,
	       "uninitialised r0 read rejected");
	is_int(VERIFY("read-only", MOV64K(10, 0), MOV64K(0, 0), EXIT), 0, "r10 write rejected");
	is_int(VERIFY("second half", MOV64K(0, 0), I(MOAT_JMP | MOAT_JA, 0, 0, 1, 0), LDDW(1, 0, 1, 2),
		      EXIT), 1, "jump into lddw rejected");
	is_int(VERIFY("outside", I(MOAT_JMP | MOAT_JA, 0, 0, 5, 0), EXIT), 0, "jump out of range");
	is_int(VERIFY("kfunc", I(MOAT_JMP | MOAT_CALL, 0, MOAT_CALL_KFUNC, 0, 1), EXIT), 0,
	       "kfunc rejected");
	is_int(VERIFY("unknown helper", I(MOAT_JMP | MOAT_CALL, 0, 0, 0, 4242), EXIT), 0,
	       "unknown helper rejected");
	is_int(VERIFY("immediate zero", MOV64K(0, 0), I(MOAT_ALU64 | MOAT_ADD | MOAT_X, 0, 0, 0, 1),
		      EXIT), 1, "reg-form ALU with imm rejected");
	is_int(VERIFY("src register zero", I(MOAT_ALU64 | MOAT_MOV | MOAT_K, 0, 1, 0, 1), EXIT), 0,
	       "imm-form ALU with src rejected");
	is_int(VERIFY("every field", MOV64K(0, 0), I(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 1)), 1,
	       "exit with imm rejected");
	is_int(VERIFY("does not exist", I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 11, 1, 0, 0), EXIT), 0,
	       "r11 rejected");
	is_int(VERIFY("falls off", MOV64K(0, 0), I(MOAT_JMP | MOAT_CALL, 0, 1, 0, 1), EXIT,
		      MOV64K(0, 1)), 3, "local function must end in exit");
	is_int(VERIFY("leaves the function", MOV64K(0, 0), I(MOAT_JMP | MOAT_CALL, 0, 1, 0, 1),
		      I(MOAT_JMP | MOAT_JA, 0, 0, 0, 0), EXIT), 2, "jump across functions rejected");
	is_int(VERIFY("offset", MOV64K(0, 1), I(MOAT_ALU | MOAT_MOV | MOAT_X, 0, 0, 32, 0), EXIT), 1,
	       "movsx32 in 32-bit ALU rejected");
}

/* Random programs run unverified in the checked loop must fail cleanly,
 * never crash (ASan watches). */
static void test_random_unverified(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct moat_error err;
	uint8_t mem[32] = { 1, 2, 3 };
	int ran = 0, failed = 0;
	MOAT_OPTS(moat_exec_opts, o, .mode = MOAT_EXEC_CHECKED, .unverified = true);
	for (int t = 0; t < 3000; t++) {
		struct moat_insn ins[12];
		for (size_t k = 0; k < N(ins); k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			static const uint8_t codes[] = { 0x07, 0x0f, 0x17, 0xb7, 0xbf, 0x61, 0x79, 0x62,
							 0x7b, 0x05, 0x15, 0x1d, 0x85, 0x95, 0xdb, 0xc3,
							 0x8d, 0x20, 0x40, 0x18, 0xd4, 0x3f, 0x9c };
			ins[k] = I(codes[seed % N(codes)], (seed >> 8) % 12, (seed >> 12) % 12,
				   (int16_t)((seed >> 16) % 24) - 12, (int32_t)((seed >> 32) % 64) - 16);
			if ((seed >> 40) % 4 == 0)
				ins[k].src = 10;
		}
		ins[N(ins) - 1] = EXIT;
		struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, ins, N(ins), &err);
		struct moat_exec *e = moat_exec_new(vm, p, &o, &err);
		if (e) {
			uint64_t r0;
			e->budget = 10000;
			ran++;
			failed += moat_exec_run(e, mem, sizeof(mem), &r0, &err) < 0;
		}
		moat_exec_free(e);
		moat_prog_free(p);
	}
	ok(ran > 1000 && failed > 0, "random unverified programs fail cleanly (%d ran, %d faulted)",
	   ran, failed);
}

static uint64_t run_conf(const struct moat_conf_test *t, void *arg)
{
	(void)arg;
	return run(t->insns, t->n_insns, t->mem, t->mem_len);
}

/* Every result test of the conformance suite, in both loops (run()
 * compares them), the unchecked one included. */
static void test_conformance_both_loops(void)
{
	struct moat_vm *saved = vm;
	vm = conf_suite_vm();
	int tried, good = conf_suite_results(run_conf, NULL, &tried);
	moat_vm_free(vm);
	vm = saved;
	if (good >= 0)
		ok(tried > 150 && good == tried, "conformance results agree in both loops (%d/%d)",
		   good, tried);
}

int main(void)
{
	struct moat_error err;
	vm = moat_vm_new(NULL, &err);
	test_alu();
	test_jmp();
	test_mem();
	test_atomic();
	test_calls();
	test_checked();
	test_maps();
	test_helpers();
	test_ringbuf();
	test_verify();
	test_random_unverified();
	test_conformance_both_loops();
	moat_vm_free(vm);
	return tap_done();
}
