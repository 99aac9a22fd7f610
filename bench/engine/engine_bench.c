/*
 * engine_bench: the shared benchmark programs (../shared/bench/bpf_bench_progs.h)
 * through moat's engine, ns per run, in the output format of the peer
 * harness rte_bpf_bench so bench/engine/run can join the two tables.
 *
 * Usage: engine_bench [-t MS] [-r REPS] [--jit | --unchecked]
 * Output per program: name, insns, "min/median" ns/run, result check.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>
/* Internal, for --unchecked only: the loop verified programs will run once
 * the verifier proves memory safety (see MOAT_VERIFIER_PROVES_MEMORY_SAFETY). */
#include "engine/exec_internal.h"

#include "bpf_bench_progs.h"
#include "bpf_bench_timing.h"

static volatile uint64_t sink;

static double batch(struct moat_exec *ex, uint8_t *pkt, uint64_t n)
{
	uint64_t r0 = 0, acc = 0;
	uint64_t t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		moat_exec_run(ex, pkt, BENCH_PKT_LEN, &r0, NULL);
		acc += r0;
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

int main(int argc, char **argv)
{
	uint64_t target_ms = 100;
	int reps = 7;
	enum moat_exec_mode mode = MOAT_EXEC_INTERP;
	bool unchecked = false;
	static const struct option lopts[] = { { "jit", no_argument, NULL, 'j' },
					       { "unchecked", no_argument, NULL, 'u' },
					       { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "t:r:", lopts, NULL)) != -1) {
		switch (c) {
		case 't': target_ms = strtoull(optarg, NULL, 10); break;
		case 'r': reps = atoi(optarg); break;
		case 'j': mode = MOAT_EXEC_JIT; break;
		case 'u': unchecked = true; break;
		default:
			fprintf(stderr, "usage: %s [-t MS] [-r REPS] [--jit]\n", argv[0]);
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
		if (unchecked)
			moat_exec_force_unchecked(ex);
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
