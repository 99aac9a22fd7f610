/*
 * bench/audit: the kernel BPF inventory of moat (moat_kinv_collect: every
 * program, map and link with its holders) against bpftool's
 * `prog show`, `map show` and `link show` (the same facts, with pids),
 * timed on the same kernel state: N programs with a map each, loaded here
 * and held by this process.  Prints ms per full listing (min of R runs) and
 * whether both listed every program this process loaded.
 *     inventory_bench [-n PROGRAMS] [-r RUNS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <moat/builder.h>
#include <moat/kernel.h>
#include <moat/kernel_inventory.h>
#include <moat/moat.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static struct moat_kprog *load_one(struct moat_map *m, int i)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_SOCKET_FILTER);
	moat_builder_emit(b, MOAT_ST_MEM(MOAT_W, MOAT_R10, -4, 0));
	moat_builder_ld_map(b, MOAT_R1, m);
	moat_builder_emit(b, MOAT_MOV64_REG(MOAT_R2, MOAT_R10));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R2, -4));
	moat_builder_emit(b, MOAT_CALL_INSN(1));
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, i));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_error err;
	struct moat_prog *p = moat_builder_finish(b, "bench", &err);
	moat_builder_free(b);
	MOAT_OPTS(moat_kernel_load_opts, o, .name = "moat_bench_inv");
	struct moat_kprog *k = p ? moat_kernel_load(p, &o, &err) : NULL;
	if (!k)
		fprintf(stderr, "inventory_bench: load: %s\n", err.msg);
	moat_prog_free(p);
	return k;
}

static size_t count_listed(const struct moat_kinv *inv, struct moat_kprog **ks, int n)
{
	size_t found = 0;
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < inv->n; j++)
			if (inv->objs[j].kind == MOAT_KOBJ_PROG && inv->objs[j].id == moat_kprog_id(ks[i]) &&
			    inv->objs[j].nowners) {
				found++;
				break;
			}
	return found;
}

/* Runs bpftool's three listings into a file; returns ms, or -1. */
static double bpftool_once(const char *out)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "{ bpftool -j prog show; bpftool -j map show; bpftool -j link show; } >%s 2>/dev/null", out);
	double t = now_ms();
	if (system(cmd) != 0)
		return -1;
	return now_ms() - t;
}

static size_t bpftool_listed(const char *out, struct moat_kprog **ks, int n)
{
	FILE *f = fopen(out, "r");
	if (!f)
		return 0;
	static char buf[16 << 20];
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	size_t found = 0;
	char key[64];
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "{\"id\":%u,", moat_kprog_id(ks[i]));
		found += strstr(buf, key) != NULL;
	}
	return found;
}

int main(int argc, char **argv)
{
	int n = 200, runs = 7, c;
	while ((c = getopt(argc, argv, "n:r:")) != -1)
		n = c == 'n' ? atoi(optarg) : n, runs = c == 'r' ? atoi(optarg) : runs;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1,
		  .name = "bench_map");
	struct moat_map *m = moat_map_new(&d, NULL);
	struct moat_kprog **ks = calloc((size_t)n, sizeof(*ks));
	for (int i = 0; i < n; i++)
		if (!(ks[i] = load_one(m, i)))
			return 1;
	double best_moat = 1e9, best_tool = 1e9;
	size_t moat_found = 0, tool_found = 0;
	char out[] = "/tmp/moat-bench-bpftool-XXXXXX";
	int fd = mkstemp(out);
	if (fd >= 0)
		close(fd);
	for (int r = 0; r < runs; r++) {
		double t = now_ms();
		struct moat_kinv *inv = moat_kinv_collect(NULL);
		double dt = now_ms() - t;
		if (!inv)
			return 1;
		if (dt < best_moat)
			best_moat = dt;
		moat_found = count_listed(inv, ks, n);
		moat_kinv_free(inv);
		double bt = bpftool_once(out);
		if (bt >= 0 && bt < best_tool)
			best_tool = bt;
	}
	tool_found = bpftool_listed(out, ks, n);
	unlink(out);
	printf("%-28s %10s %10s %8s  %s\n", "# listing", "moat_ms", "bpftool_ms", "ratio", "programs found (moat/bpftool of loaded)");
	printf("%-28s %10.2f %10.2f %8.2f  %zu/%zu of %d\n", "progs+maps+links, holders", best_moat,
	       best_tool, best_tool / best_moat, moat_found, tool_found, n);
	for (int i = 0; i < n; i++)
		moat_kprog_free(ks[i]);
	free(ks);
	moat_map_free(m);
	return 0;
}
