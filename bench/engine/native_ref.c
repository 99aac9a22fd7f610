/*
 * native_ref: the C reference of each shared benchmark program
 * (bpf_bench_progs.h), compiled by bench/engine/run with clang -O2: the
 * physical limit the JIT is measured against.  Called through a function
 * pointer on a packet behind a volatile pointer, so nothing folds away.
 * Output: the engine_bench format (name, insns, "min/median" ns/run, check).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bpf_bench_progs.h"
#include "bpf_bench_timing.h"

static volatile uint64_t sink;

static double batch(uint64_t (*fn)(const uint8_t *), const uint8_t *volatile *pkt, uint64_t n)
{
	uint64_t acc = 0, t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++)
		acc += fn(*pkt);
	uint64_t t1 = bench_now_ns();
	sink += acc;
	return (double)(t1 - t0) / (double)n;
}

int main(int argc, char **argv)
{
	uint64_t target_ns = (argc > 1 ? strtoull(argv[1], NULL, 10) : 100) * 1000000ull;
	static uint8_t buf[BENCH_PKT_LEN];
	bench_make_packet(buf);
	const uint8_t *volatile pkt = buf;
	for (uint32_t k = 0; k < BENCH_NPROGS; k++) {
		const struct bench_prog *p = &bench_progs[k];
		uint64_t (*volatile fn)(const uint8_t *) = p->ref;
		uint64_t n = 1000;
		for (;;) {
			double ns = batch(fn, &pkt, n) * (double)n;
			if (ns >= (double)target_ns / 10 || n >= (1ull << 32)) {
				n = (uint64_t)((double)n * (double)target_ns / (ns + 1)) + 1;
				break;
			}
			n *= 4;
		}
		double v[7];
		for (int r = 0; r < 7; r++)
			v[r] = batch(fn, &pkt, n);
		double mn = bench_min(v, 7), med = bench_median(v, 7);
		printf("%-18s %6u %9.2f/%-9.2f  ok\n", p->name, p->n, mn, med);
	}
	return 0;
}
