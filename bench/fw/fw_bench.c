/*
 * bench/fw: the firewall's per-packet cost in the kernel, measured with
 * BPF_PROG_TEST_RUN (repeat), for K = 1, 100, 1000, 10000 rules: K-1
 * "block in from 10.a.b.0/24" rules that do not match and a last one that
 * does (the worst case for a linear rule list).  Also moat's compile time,
 * and the cost when every CPU runs the program at once (one thread pinned
 * per CPU, all updating the same rule's counters: shared atomic counters
 * would bounce a cache line between CPUs, per-CPU counters do not).
 * Root.  Prints "K entries compile_ms ns_per_pkt vs_K1 ns_all_cpus", then
 * what `log` costs at K = 1000: no rule logs (the program has no logging
 * code), another rule logs (a flag test), the matching rule logs (a ring
 * buffer record per packet, drained between runs of 1,000).
 *
 *   fw_bench [-n REPEAT] [K...]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <moat/fw.h>
#include <moat/kernel.h>
#include <moat/kernel_attach.h>
#include <moat/map.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

enum log_mode { LOG_NONE, LOG_OTHER, LOG_MATCH };

static char *rules_text(int k, enum log_mode lm)
{
	size_t cap = (size_t)k * 40 + 64;
	char *s = malloc(cap), *p = s;
	for (int i = 0; i < k - 1; i++)
		p += sprintf(p, "block in%s from 10.%d.%d.0/24\n", i == 0 && lm == LOG_OTHER ? " log" : "",
			     i / 256 % 256, i % 256);
	sprintf(p, "block in%s from 198.18.0.0/30\n", lm == LOG_MATCH ? " log" : "");
	return s;
}

static int count_record(void *arg, const void *data, size_t len)
{
	(void)data;
	(void)len;
	++*(unsigned long *)arg;
	return 0;
}

/* Mean ns per packet of `batches` runs of 1,000, the log drained after each. */
static double logged_runs(const struct moat_fw_prog *fp, struct moat_kprog *kp, const uint8_t *f,
			  size_t len, int batches, unsigned long *records)
{
	struct moat_error err;
	struct moat_kringbuf *rb = NULL;
	int idx = moat_fw_prog_map(fp, MOAT_FW_MAP_LOG);
	if (idx >= 0 && !(rb = moat_kringbuf_new(moat_kprog_map_fd(kp, (size_t)idx), count_record,
						 records, &err)))
		return -1;
	double sum = 0;
	for (int b = 0; b < batches; b++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len,
			    .repeat = 1000);
		if (bpf_prog_test_run_opts(moat_kprog_fd(kp), &o) < 0 || o.retval != 1) {
			moat_kringbuf_free(rb);
			return -1;
		}
		sum += o.duration;
		if (rb)
			moat_kringbuf_poll(rb, 0, &err);
	}
	moat_kringbuf_free(rb);
	return sum / batches;
}

/* Ethernet + IPv4 + UDP 198.18.0.1:40000 -> 198.18.0.2:9, 18 bytes of payload. */
static void frame(uint8_t *f, size_t *len)
{
	memset(f, 0, 64);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 46;
	ip[8] = 64;
	ip[9] = 17;
	uint8_t src[4] = { 198, 18, 0, 1 }, dst[4] = { 198, 18, 0, 2 };
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	ip[20] = 40000 >> 8;
	ip[21] = 40000 & 0xff;
	ip[23] = 9;
	ip[25] = 26;
	*len = 14 + 20 + 8 + 18;
}

struct runner {
	pthread_t t;
	int cpu, fd;
	const uint8_t *f;
	size_t len;
	unsigned repeat;
	double ns; /* < 0 on failure */
};

static void *run_on_cpu(void *arg)
{
	struct runner *r = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->f, .data_size_in = (uint32_t)r->len,
		    .repeat = r->repeat);
	r->ns = bpf_prog_test_run_opts(r->fd, &o) < 0 || o.retval != 1 ? -1.0 : (double)o.duration;
	return NULL;
}

/* Mean ns per packet of one run on every online CPU at once; < 0 on failure. */
static double all_cpus(int fd, const uint8_t *f, size_t len, unsigned repeat)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	struct runner r[64];
	if (n < 1)
		return -1;
	if (n > 64)
		n = 64;
	for (long i = 0; i < n; i++) {
		r[i] = (struct runner){ .cpu = (int)i, .fd = fd, .f = f, .len = len, .repeat = repeat };
		if (pthread_create(&r[i].t, NULL, run_on_cpu, &r[i]) != 0)
			return -1;
	}
	double sum = 0;
	for (long i = 0; i < n; i++) {
		pthread_join(r[i].t, NULL);
		if (r[i].ns < 0)
			return -1;
		sum += r[i].ns;
	}
	return sum / (double)n;
}

static int bench_one(int k, unsigned repeat, double *ns, double *cms, size_t *entries,
		     double *ns_all, enum log_mode lm, unsigned long *records)
{
	struct moat_error err;
	char *text = rules_text(k, lm);
	double t0 = now_ms();
	struct moat_fw_rules *rs = moat_fw_parse(text, strlen(text), "bench.conf", NULL, &err);
	MOAT_OPTS(moat_fw_compile_opts, co, .hook = MOAT_FW_XDP, .dir = MOAT_FW_IN);
	struct moat_fw_prog *fp = rs ? moat_fw_compile(rs, &co, &err) : NULL;
	*cms = now_ms() - t0;
	struct moat_kprog *kp = fp ? moat_kernel_load(moat_fw_prog_prog(fp), NULL, &err) : NULL;
	int rc = -1;
	if (!kp) {
		fprintf(stderr, "fw_bench: K=%d: %s\n", k, err.msg);
		goto out;
	}
	*entries = moat_fw_prog_entries(fp);
	struct moat_prog *prog = moat_fw_prog_prog(fp);
	for (size_t i = 0; i < moat_prog_map_count(prog); i++)
		if (moat_kernel_map_fill(moat_prog_map(prog, i), moat_kprog_map_fd(kp, i), &err) < 0) {
			fprintf(stderr, "fw_bench: %s\n", err.msg);
			goto out;
		}
	uint8_t f[64];
	size_t len;
	frame(f, &len);
	if (records) { /* the log rows */
		*ns = logged_runs(fp, kp, f, len, 300, records);
		rc = *ns < 0 ? -1 : 0;
		goto out;
	}
	double best = 1e18;
	for (int b = 0; b < 5; b++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len,
			    .repeat = repeat);
		if (bpf_prog_test_run_opts(moat_kprog_fd(kp), &o) < 0 || o.retval != 1) {
			fprintf(stderr, "fw_bench: test run: %s, verdict %u (want 1, drop)\n",
				strerror(errno), o.retval);
			goto out;
		}
		if (o.duration < best)
			best = o.duration;
	}
	*ns = best;
	*ns_all = 1e18;
	for (int b = 0; b < 3; b++) {
		double v = all_cpus(moat_kprog_fd(kp), f, len, repeat);
		if (v < 0) {
			fprintf(stderr, "fw_bench: test run on every CPU failed\n");
			goto out;
		}
		if (v < *ns_all)
			*ns_all = v;
	}
	rc = 0;
out:
	moat_kprog_free(kp);
	moat_fw_prog_free(fp);
	moat_fw_rules_free(rs);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned repeat = 1000000;
	int ks[16] = { 1, 100, 1000, 10000 }, nk = 4, a = 1;
	if (a + 1 < argc && !strcmp(argv[a], "-n")) {
		repeat = (unsigned)atoi(argv[a + 1]);
		a += 2;
	}
	if (a < argc)
		nk = 0;
	for (; a < argc && nk < 16; a++)
		ks[nk++] = atoi(argv[a]);
	printf("# moat fw at XDP, BPF_PROG_TEST_RUN x%u, min of 5: the last rule matches\n", repeat);
	printf("K\tentries\tcompile_ms\tns_per_pkt\tvs_K1\tns_all_cpus (%ld CPUs at once)\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	double base = 0;
	for (int i = 0; i < nk; i++) {
		double ns, cms, ns_all;
		size_t ent = 0;
		if (bench_one(ks[i], repeat, &ns, &cms, &ent, &ns_all, LOG_NONE, NULL) < 0)
			return 1;
		if (i == 0)
			base = ns;
		printf("%d\t%zu\t%.1f\t%.1f\t%.2f\t%.1f\n", ks[i], ent, cms, ns, ns / base, ns_all);
	}
	static const char *const what[] = { "no rule logs", "another rule logs",
					    "the matching rule logs" };
	printf("\n# log at K=1000: 300 runs of 1000, the ring buffer drained after each\n");
	printf("log\tns_per_pkt\trecords\n");
	for (int lm = LOG_NONE; lm <= LOG_MATCH; lm++) {
		double ns, cms, ns_all;
		size_t ent = 0;
		unsigned long rec = 0;
		if (bench_one(1000, 1000, &ns, &cms, &ent, &ns_all, (enum log_mode)lm, &rec) < 0)
			return 1;
		printf("%s\t%.1f\t%lu\n", what[lm], ns, rec);
	}
	return 0;
}
