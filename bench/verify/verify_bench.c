/*
 * verify_bench: verification time of large programs, moat's verifier
 * against the kernel's (BPF_PROG_LOAD of the same bytecode as a socket
 * filter, through libbpf), in one run.  Needs root for the kernel column.
 *
 * Programs (generated here, each valid for both):
 *   straight_N     N-instruction straight line (ALU and stack traffic), for
 *                  N = 25k, 50k, 100k: time should grow linearly
 *   nested_loops   three nested bounded loops (8 x 8 x 8)
 *   branch_1000    a 1000-way switch on a packet byte, every case joins
 *   map_heavy      200 lookups of an array map, NULL check, read and update
 *
 * Usage: verify_bench [-r REPS]
 * Prints: program, insns, moat us, kernel us, ratio kernel/moat (>1: moat faster).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <moat/moat.h>

#include "bpf_bench_timing.h"

#define I(c, d, s, o, k) ((struct moat_insn){ .code = (c), .dst = (d), .src = (s), .off = (o), .imm = (k) })
#define ALU64K(op, d, k) I(MOAT_ALU64 | (op) | MOAT_K, d, 0, 0, k)
#define ALU64X(op, d, s) I(MOAT_ALU64 | (op) | MOAT_X, d, s, 0, 0)
#define JK(op, d, k, off) I(MOAT_JMP | (op) | MOAT_K, d, 0, off, k)
#define EXIT I(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0)

struct prog {
	struct moat_insn *in;
	size_t n, cap;
};

static void emit(struct prog *p, struct moat_insn in)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->in = realloc(p->in, p->cap * sizeof(*p->in));
		if (!p->in)
			abort();
	}
	p->in[p->n++] = in;
}

static void gen_straight(struct prog *p, size_t n)
{
	emit(p, ALU64K(MOAT_MOV, 0, 0));
	emit(p, ALU64K(MOAT_MOV, 2, 1));
	while (p->n + 2 < n) {
		switch ((p->n - 2) % 4) {
		case 0: emit(p, I(MOAT_STX | MOAT_MEM | MOAT_DW, 10, 0, -8, 0)); break;
		case 1: emit(p, I(MOAT_LDX | MOAT_MEM | MOAT_DW, 2, 10, -8, 0)); break;
		case 2: emit(p, ALU64K(MOAT_AND, 2, 0xffff)); break;
		default: emit(p, ALU64K(MOAT_ADD, 0, 3)); break;
		}
	}
	emit(p, ALU64K(MOAT_AND, 0, 1));
	emit(p, EXIT);
}

static void gen_nested(struct prog *p)
{
	emit(p, ALU64K(MOAT_MOV, 0, 0));
	emit(p, ALU64K(MOAT_MOV, 3, 0));           /* i */
	emit(p, ALU64K(MOAT_MOV, 4, 0));           /* j = 0 (outer body) */
	emit(p, ALU64K(MOAT_MOV, 5, 0));           /* k = 0 (middle body) */
	emit(p, ALU64X(MOAT_ADD, 0, 5));           /* inner body */
	emit(p, ALU64K(MOAT_ADD, 5, 1));
	emit(p, JK(MOAT_JLT, 5, 8, -3));
	emit(p, ALU64K(MOAT_ADD, 4, 1));
	emit(p, JK(MOAT_JLT, 4, 8, -6));
	emit(p, ALU64K(MOAT_ADD, 3, 1));
	emit(p, JK(MOAT_JLT, 3, 8, -9));
	emit(p, ALU64K(MOAT_AND, 0, 1));
	emit(p, EXIT);
}

/* r2 = skb->len & 1023; if r2 == k goto case_k (k < 1000); each case sets
 * r0 and jumps to the common exit. */
static void gen_branch(struct prog *p, int ways)
{
	emit(p, I(MOAT_LDX | MOAT_MEM | MOAT_W, 2, 1, 0, 0));
	emit(p, ALU64K(MOAT_AND, 2, 1023));
	emit(p, ALU64K(MOAT_MOV, 0, 0));
	size_t first = p->n;
	for (int k = 0; k < ways; k++)
		emit(p, JK(MOAT_JEQ, 2, k, 0)); /* patched below */
	emit(p, I(MOAT_JMP | MOAT_JA, 0, 0, 0, 0)); /* default: to exit, patched */
	size_t ja = p->n - 1;
	size_t exit_at = p->n + (size_t)ways * 3;
	for (int k = 0; k < ways; k++) {
		p->in[first + (size_t)k].off = (int16_t)(p->n - (first + (size_t)k) - 1);
		emit(p, ALU64K(MOAT_MOV, 0, k & 1));
		emit(p, ALU64K(MOAT_ADD, 0, 0));
		emit(p, I(MOAT_JMP | MOAT_JA, 0, 0, (int16_t)(exit_at - p->n - 1), 0));
	}
	p->in[ja].off = (int16_t)(exit_at - ja - 1);
	emit(p, EXIT);
}

/* map 0: array of 256 u64; 200 times: key = i, v = lookup, if v: *v += 1, r0 += *v */
static void gen_map_heavy(struct prog *p, int lookups)
{
	emit(p, ALU64K(MOAT_MOV, 6, 0));
	for (int i = 0; i < lookups; i++) {
		emit(p, I(MOAT_ST | MOAT_MEM | MOAT_W, 10, 0, -4, i % 256));
		emit(p, I(MOAT_LD | MOAT_IMM | MOAT_DW, 1, MOAT_PSEUDO_MAP_FD, 0, 0));
		emit(p, I(0, 0, 0, 0, 0));
		emit(p, ALU64X(MOAT_MOV, 2, 10));
		emit(p, ALU64K(MOAT_ADD, 2, -4));
		emit(p, I(MOAT_JMP | MOAT_CALL, 0, 0, 0, MOAT_FN_map_lookup_elem));
		emit(p, JK(MOAT_JEQ, 0, 0, 4));
		emit(p, I(MOAT_LDX | MOAT_MEM | MOAT_DW, 1, 0, 0, 0));
		emit(p, ALU64K(MOAT_ADD, 1, 1));
		emit(p, I(MOAT_STX | MOAT_MEM | MOAT_DW, 0, 1, 0, 0));
		emit(p, ALU64X(MOAT_ADD, 6, 1));
	}
	emit(p, ALU64X(MOAT_MOV, 0, 6));
	emit(p, ALU64K(MOAT_AND, 0, 1));
	emit(p, EXIT);
}

static double moat_us(const struct prog *p, struct moat_map *map, int reps, char *why, size_t len)
{
	struct moat_error err;
	struct moat_prog *mp = moat_prog_new(MOAT_PROG_SOCKET_FILTER, p->in, p->n, &err);
	if (!mp) {
		snprintf(why, len, "%s", err.msg);
		return -1;
	}
	if (map)
		moat_prog_add_map(mp, map, &err);
	double best = -1;
	for (int r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns();
		int rc = moat_verify(mp, NULL, NULL, &err);
		uint64_t t1 = bench_now_ns();
		if (rc) {
			snprintf(why, len, "insn %ld: %s", err.insn, err.msg);
			best = -1;
			break;
		}
		double us = (double)(t1 - t0) / 1000.0;
		if (best < 0 || us < best)
			best = us;
	}
	moat_prog_free(mp);
	return best;
}

static double kernel_us(const struct prog *p, int map_fd, int reps, char *why, size_t len)
{
	struct bpf_insn *k = calloc(p->n, sizeof(*k));
	if (!k)
		return -1;
	_Static_assert(sizeof(struct bpf_insn) == sizeof(struct moat_insn), "same layout");
	memcpy(k, p->in, p->n * sizeof(*k));
	for (size_t i = 0; i < p->n; i++)
		if (k[i].code == (BPF_LD | BPF_IMM | BPF_DW) && k[i].src_reg == BPF_PSEUDO_MAP_FD)
			k[i].imm = map_fd;
	static char log[1 << 16];
	double best = -1;
	for (int r = 0; r < reps; r++) {
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 0);
		uint64_t t0 = bench_now_ns();
		int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "verify_bench", "GPL", k, p->n, &o);
		uint64_t t1 = bench_now_ns();
		if (fd < 0) {
			/* retry once with the log, for the reason */
			o.log_level = 1;
			bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "verify_bench", "GPL", k, p->n, &o);
			const char *last = log;
			for (const char *q = log; *q; q++)
				if (q[0] == '\n' && q[1])
					last = q + 1;
			snprintf(why, len, "%s (%.120s)", strerror(errno), last);
			best = -1;
			break;
		}
		close(fd);
		double us = (double)(t1 - t0) / 1000.0;
		if (best < 0 || us < best)
			best = us;
	}
	free(k);
	return best;
}

int main(int argc, char **argv)
{
	int reps = 5, c;
	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c == 'r') {
			reps = atoi(optarg);
		} else {
			fprintf(stderr, "usage: %s [-r REPS]\n", argv[0]);
			return 2;
		}
	}
	struct moat_error err;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = 256);
	struct moat_map *map = moat_map_new(&d, &err);
	int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "vb_arr", 4, 8, 256, NULL);
	printf("# verify_bench: best of %d, microseconds; ratio = kernel / moat (>1: moat faster)\n",
	       reps);
	printf("%-16s %8s %12s %12s %8s\n", "program", "insns", "moat_us", "kernel_us", "ratio");
	struct {
		const char *name;
		int kind;
		size_t arg;
	} progs[] = {
		{ "straight_25k", 0, 25000 }, { "straight_50k", 0, 50000 },
		{ "straight_100k", 0, 100000 }, { "nested_loops", 1, 0 },
		{ "branch_1000", 2, 1000 }, { "map_heavy", 3, 200 },
	};
	int st = 0;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct prog p = { 0 };
		switch (progs[i].kind) {
		case 0: gen_straight(&p, progs[i].arg); break;
		case 1: gen_nested(&p); break;
		case 2: gen_branch(&p, (int)progs[i].arg); break;
		default: gen_map_heavy(&p, (int)progs[i].arg); break;
		}
		char why_m[1024] = "", why_k[1024] = "";
		double m = moat_us(&p, progs[i].kind == 3 ? map : NULL, reps, why_m, sizeof(why_m));
		double k = map_fd >= 0 || progs[i].kind != 3 ? kernel_us(&p, map_fd, reps, why_k, sizeof(why_k)) : -1;
		char mcol[32] = "rejected", kcol[32] = "rejected", ratio[32] = "-";
		if (m >= 0)
			snprintf(mcol, sizeof(mcol), "%.1f", m);
		if (k >= 0)
			snprintf(kcol, sizeof(kcol), "%.1f", k);
		if (m > 0 && k > 0)
			snprintf(ratio, sizeof(ratio), "%.2fx", k / m);
		printf("%-16s %8zu %12s %12s %8s\n", progs[i].name, p.n, mcol, kcol, ratio);
		if (why_m[0])
			printf("#   moat: %s\n", why_m), st = 1;
		if (why_k[0])
			printf("#   kernel: %s\n", why_k);
		free(p.in);
	}
	moat_map_free(map);
	if (map_fd >= 0)
		close(map_fd);
	return st;
}
