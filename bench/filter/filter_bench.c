/*
 * filter_bench: moat's filter against libpcap's in one run.
 *
 *   filter_bench [-p PASSES] FILE EXPR...
 *       throughput: every packet of FILE (loaded into memory first) through
 *       moat's eBPF program under moat's JIT and through libpcap's
 *       optimized cBPF program under pcap_offline_filter(); packets/s of
 *       the filter alone, best of PASSES passes (default 5), measured two
 *       ways with identical treatment of both sides:
 *         streaming: one pass over the whole capture (~400 MB for 3M
 *           packets), so packet bytes come from DRAM and simple filters
 *           run at the memory system's speed;
 *         cache-resident: the capture in chunks of CHUNK packets (~280 KB,
 *           within L2); each chunk is filtered once untimed to bring it into
 *           the cache, then timed, per side.  This is the filter's own cost.
 *       One line per expression: "EXPR<TAB>matched<TAB>moat_stream_pps
 *       <TAB>libpcap_stream_pps<TAB>moat_cached_pps<TAB>libpcap_cached_pps".
 *       The header line also gives the streaming floor: packets/s of a loop
 *       that only reads each packet's EtherType (no filter at all).
 *   filter_bench -s EXPRESSIONS_FILE
 *       program size: for every row of the corpus file
 *       (libpcap-expressions.txt) on a link type moat compiles for that
 *       both compilers accept, the cBPF instruction counts of moat and of
 *       libpcap's optimizer; prints the distribution of moat/libpcap.
 *
 * The capture is held as struct moat_filter_pkt records back to back
 * (caplen, wirelen, bytes), which is both moat's calling contract and,
 * at +8, the bytes libpcap's filter reads: neither side copies packets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <moat/filter.h>
#include <moat/moat.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct capture {
	int dlt;
	uint32_t snaplen;
	size_t n;
	uint8_t *arena;          /* records, 4-byte aligned, then snaplen bytes of padding */
	size_t *off;             /* each record's offset in arena */
	struct pcap_pkthdr *hdr; /* libpcap's view of the same packets */
};

static int load(const char *path, struct capture *c)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, ebuf);
	if (!p) {
		fprintf(stderr, "filter_bench: %s: %s\n", path, ebuf);
		return -1;
	}
	c->dlt = pcap_datalink(p);
	int snap = pcap_snapshot(p);
	c->snaplen = snap > 0 && snap <= 262144 ? (uint32_t)snap : 262144;
	size_t cap = 1 << 20, used = 0, ncap = 1024;
	c->arena = malloc(cap);
	c->off = malloc(ncap * sizeof(*c->off));
	c->hdr = malloc(ncap * sizeof(*c->hdr));
	struct pcap_pkthdr *h;
	const u_char *d;
	while (c->arena && c->off && c->hdr && pcap_next_ex(p, &h, &d) == 1) {
		uint32_t len = h->caplen < c->snaplen ? h->caplen : c->snaplen;
		size_t need = used + 8 + len + 3 + c->snaplen + 8;
		if (need > cap) {
			while (need > cap)
				cap *= 2;
			c->arena = realloc(c->arena, cap);
		}
		if (c->n == ncap) {
			ncap *= 2;
			c->off = realloc(c->off, ncap * sizeof(*c->off));
			c->hdr = realloc(c->hdr, ncap * sizeof(*c->hdr));
		}
		if (!c->arena || !c->off || !c->hdr)
			break;
		struct moat_filter_pkt *r = (struct moat_filter_pkt *)(c->arena + used);
		r->caplen = len;
		r->wirelen = h->len;
		memcpy(r->data, d, len);
		c->off[c->n] = used;
		c->hdr[c->n] = *h;
		c->hdr[c->n].caplen = len;
		c->n++;
		used += (8 + len + 3) & ~(size_t)3;
	}
	pcap_close(p);
	if (!c->arena || !c->off || !c->hdr) {
		fprintf(stderr, "filter_bench: out of memory\n");
		return -1;
	}
	memset(c->arena + used, 0, c->snaplen + 8);
	return 0;
}

struct moat_run {
	struct moat_filter *f;
	struct moat_prog *prog;
	struct moat_exec *exec;
	moat_native_fn fn;
	uint64_t mem_len;
};

static int moat_prepare(struct moat_run *m, struct moat_vm *vm, const char *expr,
			const struct capture *c, struct moat_error *err)
{
	MOAT_OPTS(moat_filter_opts, o, .linktype = c->dlt, .snaplen = c->snaplen, .optimize = true);
	if (!(m->f = moat_filter_compile(expr, &o, err)) || !(m->prog = moat_filter_ebpf(m->f, err)))
		return -1;
	m->mem_len = moat_filter_mem_len(m->f);
	MOAT_OPTS(moat_exec_opts, eo, .mode = MOAT_EXEC_JIT, .mem_len = m->mem_len);
	if (!(m->exec = moat_exec_new(vm, m->prog, &eo, err)))
		return -1;
	m->fn = moat_exec_native(m->exec);
	return 0;
}

static void moat_release(struct moat_run *m)
{
	moat_exec_free(m->exec);
	moat_prog_free(m->prog);
	moat_filter_free(m->f);
}

#define CHUNK 2048

/* Packets [lo, hi) through moat's program; the number matched. */
static size_t moat_range(const struct moat_run *m, const struct capture *c, size_t lo, size_t hi)
{
	size_t hits = 0;
	if (m->fn) {
		for (size_t i = lo; i < hi; i++)
			hits += m->fn(c->arena + c->off[i], m->mem_len) != 0;
		return hits;
	}
	for (size_t i = lo; i < hi; i++) {
		uint64_t r0 = 0;
		moat_exec_run(m->exec, c->arena + c->off[i], m->mem_len, &r0, NULL);
		hits += r0 != 0;
	}
	return hits;
}

static size_t pcap_range(const struct bpf_program *bp, const struct capture *c, size_t lo,
			 size_t hi)
{
	size_t hits = 0;
	for (size_t i = lo; i < hi; i++)
		hits += pcap_offline_filter(bp, &c->hdr[i], c->arena + c->off[i] + 8) != 0;
	return hits;
}

/* One cache-resident pass: per chunk, a warming run then a timed one, for
 * each side in turn.  Adds the timed seconds to t[0] (moat), t[1] (libpcap). */
static void cached_pass(const struct moat_run *m, const struct bpf_program *bp,
			const struct capture *c, double t[2], size_t hits[2])
{
	hits[0] = hits[1] = 0;
	t[0] = t[1] = 0;
	for (size_t lo = 0; lo < c->n; lo += CHUNK) {
		size_t hi = lo + CHUNK < c->n ? lo + CHUNK : c->n;
		moat_range(m, c, lo, hi);
		double t0 = now();
		hits[0] += moat_range(m, c, lo, hi);
		double t1 = now();
		pcap_range(bp, c, lo, hi);
		double t2 = now();
		hits[1] += pcap_range(bp, c, lo, hi);
		double t3 = now();
		t[0] += t1 - t0;
		t[1] += t3 - t2;
	}
}

/* The streaming floor: read each packet's EtherType and nothing else. */
static double touch_pps(const struct capture *c, int passes)
{
	double best = 1e30;
	volatile uint32_t sink = 0;
	for (int k = 0; k < passes; k++) {
		uint32_t sum = 0;
		double t0 = now();
		for (size_t i = 0; i < c->n; i++)
			sum += c->arena[c->off[i] + 8 + 12];
		double t1 = now();
		sink += sum;
		best = t1 - t0 < best ? t1 - t0 : best;
	}
	(void)sink;
	return (double)c->n / best;
}

static int throughput(const struct capture *c, struct moat_vm *vm, const char *expr, int passes)
{
	struct moat_error err;
	moat_error_clear(&err);
	struct moat_run m = { 0 };
	if (moat_prepare(&m, vm, expr, c, &err) < 0) {
		fprintf(stderr, "filter_bench: moat: '%s': %s\n", expr, err.msg);
		moat_release(&m);
		return -1;
	}
	pcap_t *dead = pcap_open_dead(c->dlt, (int)c->snaplen);
	struct bpf_program bp;
	if (pcap_compile(dead, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "filter_bench: libpcap: '%s': %s\n", expr, pcap_geterr(dead));
		pcap_close(dead);
		moat_release(&m);
		return -1;
	}
	double best[4] = { 1e30, 1e30, 1e30, 1e30 }; /* stream moat, libpcap; cached */
	size_t hm = 0, hp = 0, hc[2] = { 0, 0 };
	for (int k = 0; k < passes; k++) { /* interleaved, so both see the same machine */
		double t0 = now();
		hm = moat_range(&m, c, 0, c->n);
		double t1 = now();
		hp = pcap_range(&bp, c, 0, c->n);
		double t2 = now(), tc[2];
		cached_pass(&m, &bp, c, tc, hc);
		double t[4] = { t1 - t0, t2 - t1, tc[0], tc[1] };
		for (int j = 0; j < 4; j++)
			best[j] = t[j] < best[j] ? t[j] : best[j];
	}
	int rc = 0;
	if (hm != hp || hc[0] != hm || hc[1] != hp) {
		fprintf(stderr, "filter_bench: '%s': moat matched %zu packets, libpcap %zu\n", expr,
			hm, hp);
		rc = -1;
	}
	printf("%s\t%zu\t%.0f\t%.0f\t%.0f\t%.0f\n", expr, hm, (double)c->n / best[0],
	       (double)c->n / best[1], (double)c->n / best[2], (double)c->n / best[3]);
	pcap_freecode(&bp);
	pcap_close(dead);
	moat_release(&m);
	return rc;
}

/* ----------------------------------------------------------- program size */

/* The link types moat compiles for: those it compiles the empty filter for. */
static bool in_scope(int dlt)
{
	MOAT_OPTS(moat_filter_opts, o, .linktype = dlt);
	struct moat_filter *f = moat_filter_compile("", &o, NULL);
	moat_filter_free(f);
	return f != NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Splits a corpus line: kind, dlt, expr (with \\ \t \n \r escapes undone). */
static bool corpus_row(char *line, char **kind, char **dltname, char **expr)
{
	char *f[3];
	for (int i = 0; i < 3; i++) {
		f[i] = line;
		char *t = strchr(line, '\t');
		if (!t)
			return false;
		*t = 0;
		line = t + 1;
	}
	char *w = f[2];
	for (char *r = f[2]; *r; r++) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
	*kind = f[0];
	*dltname = f[1];
	*expr = f[2];
	return true;
}

static int sizes(const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "filter_bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char *line = NULL;
	size_t lcap = 0, n = 0, cap = 0, longer = 0, shorter = 0, equal = 0;
	size_t sum_m = 0, sum_p = 0;
	double *ratio = NULL, worst = 0;
	char worst_expr[256] = "";
	while (getline(&line, &lcap, in) > 0) {
		line[strcspn(line, "\n")] = 0;
		char *kind, *dltname, *expr;
		if (line[0] == '#' || !corpus_row(line, &kind, &dltname, &expr) ||
		    !strcmp(kind, "apply"))
			continue;
		int dlt = pcap_datalink_name_to_val(dltname);
		if (dlt < 0 || !in_scope(dlt))
			continue;
		pcap_t *dead = pcap_open_dead(dlt, 262144);
		struct bpf_program bp;
		if (pcap_compile(dead, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			pcap_close(dead);
			continue;
		}
		MOAT_OPTS(moat_filter_opts, o, .linktype = dlt, .optimize = true);
		struct moat_filter *f = moat_filter_compile(expr, &o, NULL);
		if (f) {
			size_t nm;
			moat_filter_cbpf(f, &nm);
			if (n == cap && !(ratio = realloc(ratio, (cap = cap ? 2 * cap : 1024) * sizeof(*ratio))))
				return 1;
			double r = (double)nm / bp.bf_len;
			ratio[n++] = r;
			longer += nm > bp.bf_len;
			shorter += nm < bp.bf_len;
			equal += nm == bp.bf_len;
			sum_m += nm;
			sum_p += bp.bf_len;
			if (r > worst) {
				worst = r;
				snprintf(worst_expr, sizeof(worst_expr), "%s [%s] %zu vs %u", expr,
					 dltname, nm, bp.bf_len);
			}
			moat_filter_free(f);
		}
		pcap_freecode(&bp);
		pcap_close(dead);
	}
	free(line);
	fclose(in);
	if (!n) {
		fprintf(stderr, "filter_bench: no expression both compilers accept\n");
		return 1;
	}
	qsort(ratio, n, sizeof(*ratio), cmp_double);
	printf("expressions\t%zu\n", n);
	printf("median_ratio\t%.3f\n", ratio[n / 2]);
	printf("p10_ratio\t%.3f\np90_ratio\t%.3f\n", ratio[n / 10], ratio[n * 9 / 10]);
	printf("total_insns\t%zu\t%zu\n", sum_m, sum_p);
	printf("shorter\t%zu\nequal\t%zu\nlonger\t%zu\n", shorter, equal, longer);
	printf("longer_share\t%.1f%%\n", 100.0 * (double)longer / (double)n);
	printf("worst\t%.2f\t%s\n", worst, worst_expr);
	free(ratio);
	return 0;
}

int main(int argc, char **argv)
{
	int passes = 5, opt;
	const char *size_file = NULL;
	while ((opt = getopt(argc, argv, "p:s:")) != -1) {
		if (opt == 'p')
			passes = atoi(optarg) > 0 ? atoi(optarg) : 1;
		else if (opt == 's')
			size_file = optarg;
		else
			return 2;
	}
	if (size_file)
		return sizes(size_file);
	if (argc - optind < 2) {
		fprintf(stderr, "usage: filter_bench [-p PASSES] FILE EXPR... | filter_bench -s FILE\n");
		return 2;
	}
	struct capture c = { 0 };
	if (load(argv[optind], &c) < 0)
		return 1;
	struct moat_error err;
	struct moat_vm *vm = moat_vm_new(NULL, &err);
	if (!vm)
		return 1;
	printf("# %zu packets, link type %d, snaplen %u, best of %d passes, chunks of %d packets"
	       " (%.0f KB); streaming floor %.1f Mpps\n",
	       c.n, c.dlt, c.snaplen, passes, CHUNK,
	       c.n ? (double)c.off[c.n - 1] / (double)c.n * CHUNK / 1024 : 0,
	       touch_pps(&c, passes) / 1e6);
	int rc = 0;
	for (int i = optind + 1; i < argc; i++)
		rc |= throughput(&c, vm, argv[i], passes) < 0;
	moat_vm_free(vm);
	free(c.arena);
	free(c.off);
	free(c.hdr);
	return rc;
}
