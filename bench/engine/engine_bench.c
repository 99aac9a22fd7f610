/*
 * engine_bench: the shared benchmark programs (../shared/bench/bpf_bench_progs.h)
 * through moat's engine, ns per run, in the output format of the peer
 * harness rte_bpf_bench so bench/engine/run can join the two tables.
 *
 * Usage: engine_bench [-t MS] [-r REPS] [--jit | --checked]
 *        engine_bench --compile N    JIT compile time of an N-instruction program
 * Output per program: name, insns, "min/median" ns/run, result check.
 */
#include <time.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>
/* Internal, for --compile only: times moat_jit_compile alone. */
#include "engine/exec_internal.h"

#include "bpf_bench_progs.h"
#include "bpf_bench_timing.h"

static volatile uint64_t sink;

static double batch(struct moat_exec *ex, uint8_t *pkt, uint64_t n)
{
	uint64_t r0 = 0, acc = 0;
	/* JIT: the native function when the program has one, as the peer
	 * harness calls librte_bpf's jit.func; else the library call */
	moat_native_fn fn = moat_exec_native(ex);
	uint64_t t0 = bench_now_ns();
	if (fn) {
		for (uint64_t i = 0; i < n; i++)
			acc += fn(pkt, BENCH_PKT_LEN);
	} else {
		for (uint64_t i = 0; i < n; i++) {
			moat_exec_run(ex, pkt, BENCH_PKT_LEN, &r0, NULL);
			acc += r0;
		}
	}
	uint64_t t1 = bench_now_ns();
	sink += acc;
	return (double)(t1 - t0) / (double)n;
}

static void time_exec(struct moat_exec *ex, uint8_t *pkt, uint64_t target_ns, int reps,
		      double *mn, double *med)
{
	uint64_t n = 1000;
	for (;;) { /* calibrate the batch size to about target_ns */
		double ns = batch(ex, pkt, n) * (double)n;
		if (ns >= (double)target_ns / 10 || n >= (1ull << 32)) {
			n = (uint64_t)((double)n * (double)target_ns / (ns + 1)) + 1;
			break;
		}
		n *= 4;
	}
	double v[64];
	if (reps > 64)
		reps = 64;
	for (int r = 0; r < reps; r++)
		v[r] = batch(ex, pkt, n);
	*mn = bench_min(v, reps);
	*med = bench_median(v, reps);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * A big program shaped like compiler output: stack stores and loads, ALU on
 * several registers, short forward branches, a helper call now and then.
 * Prints the JIT's compile time (min of 5) and the code size.
 */
static int bench_compile(size_t n)
{
	struct moat_insn *p = calloc(n, sizeof(*p));
	if (!p || n < 16)
		return 1;
	size_t k = 0;
	for (int r = 0; r <= 9; r++)
		p[k++] = MOAT_INSN(MOAT_ALU64 | MOAT_MOV | MOAT_K, (uint8_t)r, 0, 0, r * 7 + 1);
	for (int16_t s = 1; s <= 8; s++)
		p[k++] = MOAT_INSN(MOAT_ST | MOAT_MEM | MOAT_DW, 10, 0, -8 * s, s);
	while (k < n - 2) {
		uint8_t d = (uint8_t)(k % 10), s = (uint8_t)((k * 7 + 3) % 10);
		switch (k % 8) {
		case 0: p[k] = MOAT_INSN(MOAT_STX | MOAT_MEM | MOAT_DW, 10, d, -8 * (int16_t)(1 + k % 8), 0); break;
		case 1: p[k] = MOAT_INSN(MOAT_ALU64 | MOAT_ADD | MOAT_X, d, s, 0, 0); break;
		case 2: p[k] = MOAT_INSN(MOAT_ALU | MOAT_XOR | MOAT_K, d, 0, 0, (int32_t)k); break;
		case 3: p[k] = MOAT_INSN(MOAT_JMP | MOAT_JGT | MOAT_K, d, 0, 1, 100); break;
		case 4: p[k] = MOAT_INSN(MOAT_ALU64 | MOAT_LSH | MOAT_K, d, 0, 0, 3); break;
		case 5: p[k] = MOAT_INSN(MOAT_LDX | MOAT_MEM | MOAT_DW, d, 10, -8 * (int16_t)(1 + (k - 5) % 8), 0); break;
		case 6: p[k] = MOAT_INSN(MOAT_ALU64 | MOAT_MUL | MOAT_X, d, s, 0, 0); break;
		default: p[k] = MOAT_INSN(MOAT_ALU64 | MOAT_MOV | MOAT_X, d, s, 0, 0); break;
		}
		k++;
	}
	p[k++] = MOAT_INSN(MOAT_ALU64 | MOAT_MOV | MOAT_K, 0, 0, 0, 0);
	p[k++] = MOAT_INSN(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0);
	struct moat_error err;
	struct moat_vm *vm = moat_vm_new(NULL, &err);
	struct moat_prog *prog = moat_prog_new(MOAT_PROG_MEM, p, k, &err);
	MOAT_OPTS(moat_exec_opts, o, .mode = MOAT_EXEC_JIT);
	double t0 = now_ms();
	struct moat_exec *ex = prog ? moat_exec_new(vm, prog, &o, &err) : NULL;
	double verify_ms = now_ms() - t0;
	if (!ex) {
		printf("compile: rejected: %s\n", err.msg);
		return 1;
	}
	double best = 1e30, best_h = 1e30;
	for (int r = 0; r < 5; r++) {
		t0 = now_ms();
		moat_jit_compile(ex, false, &err);
		double ms = now_ms() - t0;
		best = ms < best ? ms : best;
		t0 = now_ms();
		moat_jit_compile(ex, true, &err);
		ms = now_ms() - t0;
		best_h = ms < best_h ? ms : best_h;
	}
	size_t len = 0;
	moat_jit_compile(ex, false, &err);
	moat_exec_code(ex, &len);
	uint64_t r0 = 1;
	int st = moat_exec_run(ex, NULL, 0, &r0, &err);
	printf("compile %zu insns: jit %.2f ms (%.0f ns/insn), blinded %.2f ms; %zu bytes of code; "
	       "verify+prepare+compile %.2f ms; run %s\n",
	       k, best, best * 1e6 / (double)k, best_h, len, verify_ms,
	       st == 0 && r0 == 0 ? "ok" : "WRONG");
	moat_exec_free(ex);
	moat_prog_free(prog);
	moat_vm_free(vm);
	free(p);
	return st == 0 && r0 == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t target_ms = 100;
	int reps = 7;
	enum moat_exec_mode mode = MOAT_EXEC_INTERP;
	static const struct option lopts[] = { { "jit", no_argument, NULL, 'j' },
					       { "checked", no_argument, NULL, 'u' },
					       { "compile", required_argument, NULL, 'c' },
					       { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "t:r:", lopts, NULL)) != -1) {
		switch (c) {
		case 't': target_ms = strtoull(optarg, NULL, 10); break;
		case 'r': reps = atoi(optarg); break;
		case 'j': mode = MOAT_EXEC_JIT; break;
		case 'u': mode = MOAT_EXEC_CHECKED; break;
		case 'c': return bench_compile(strtoull(optarg, NULL, 10));
		default:
			fprintf(stderr, "usage: %s [-t MS] [-r REPS] [--jit | --checked | --compile N]\n",
				argv[0]);
			return 2;
		}
	}
	uint8_t pkt[BENCH_PKT_LEN];
	bench_make_packet(pkt);
	struct moat_error err;
	struct moat_vm *vm = moat_vm_new(NULL, &err);
	if (!vm)
		return 1;
	int status = 0;
	for (uint32_t k = 0; k < BENCH_NPROGS; k++) {
		const struct bench_prog *p = &bench_progs[k];
		struct moat_prog *prog = moat_prog_new(MOAT_PROG_MEM, (const struct moat_insn *)p->insns,
						       p->n, &err);
		MOAT_OPTS(moat_exec_opts, o, .mode = mode, .mem_len = BENCH_PKT_LEN);
		struct moat_exec *ex = prog ? moat_exec_new(vm, prog, &o, &err) : NULL;
		if (!ex) {
			char buf[1200];
			printf("%-18s %6u %16s  rejected: %s\n", p->name, p->n, "-",
			       moat_error_str(&err, buf, sizeof(buf)));
			moat_prog_free(prog);
			status = 1;
			continue;
		}
		uint64_t r0 = 0, want = p->ref(pkt);
		moat_exec_run(ex, pkt, BENCH_PKT_LEN, &r0, NULL);
		double mn, med;
		time_exec(ex, pkt, target_ms * 1000000ull, reps, &mn, &med);
		printf("%-18s %6u %9.2f/%-9.2f  %s\n", p->name, p->n, mn, med,
		       r0 == want ? "ok" : "WRONG");
		if (r0 != want)
			status = 1;
		moat_exec_free(ex);
		moat_prog_free(prog);
	}
	moat_vm_free(vm);
	return status;
}
