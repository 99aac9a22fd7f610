/*
 * filter_diff: moat's filter compiler against libpcap, the reference.
 *
 *   filter_diff [-n MAX_DIAG] [-k KNOWN] FILTERS_DIR PCAPS_DIR
 *
 * FILTERS_DIR is $MOAT_SHARED/corpus/filters (libpcap-expressions.txt and
 * libpcap-savefiles/), PCAPS_DIR is $MOAT_SHARED/corpus/pcaps.  For every
 * row of libpcap-expressions.txt whose link type moat compiles for:
 *
 *   - libpcap (pcap_compile on pcap_open_dead(DLT, snaplen)) and moat
 *     (moat_filter_compile) must agree on accept / reject; a rejection
 *     from moat must carry a column inside the expression (or 0);
 *   - when both accept, every packet of every capture of that link type
 *     (the tcpdump captures and libpcap's savefiles) must get the same
 *     verdict from libpcap's pcap_offline_filter, from moat's eBPF
 *     program run by moat's JIT, and from moat_filter_run;
 *   - apply rows must also reproduce the per-packet results the corpus
 *     records (libpcap master's expectations: a second oracle).
 *
 * Where Debian's libpcap 1.10.3 and libpcap master disagree (the corpus's
 * column 13), agreeing with either is accepted and counted separately.
 * KNOWN lists rows (by the corpus's test name, one per line, a reason
 * after a tab) whose differences are known gaps of moat's compiler: they
 * are counted and printed, not failed; a listed row that now agrees is
 * reported so the list can shrink.
 * Prints TAP.  Exit 0 when every check passed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat/filter.h>
#include <moat/moat.h>

/* ------------------------------------------------------------ captures */

struct packet {
	struct pcap_pkthdr h;
	uint8_t *data;
};

struct capture {
	char name[256];
	bool savefile; /* from libpcap-savefiles/ (the apply rows' captures) */
	int dlt;
	size_t n;
	struct packet *pkts;
};

struct corpus {
	struct capture *caps;
	size_t ncaps;
	uint64_t npackets;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "filter_diff: out of memory\n");
		exit(2);
	}
	return q;
}

/* Reads every packet libpcap can read (up to the first damage). */
static void load_capture(struct corpus *c, const char *dir, const char *file, bool savefile)
{
	char path[4096], ebuf[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	pcap_t *p = pcap_open_offline(path, ebuf);
	if (!p)
		return;
	struct capture cap = { .dlt = pcap_datalink(p), .savefile = savefile };
	snprintf(cap.name, sizeof(cap.name), "%s", file);
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(p, &h, &d) == 1) {
		cap.pkts = xrealloc(cap.pkts, (cap.n + 1) * sizeof(*cap.pkts));
		struct packet *k = &cap.pkts[cap.n++];
		k->h = *h;
		k->data = xrealloc(NULL, h->caplen);
		memcpy(k->data, d, h->caplen);
	}
	pcap_close(p);
	c->caps = xrealloc(c->caps, (c->ncaps + 1) * sizeof(*c->caps));
	c->caps[c->ncaps++] = cap;
	c->npackets += cap.n;
}

static void load_dir(struct corpus *c, const char *dir, bool savefiles)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);
		if ((l > 5 && !strcmp(nm + l - 5, ".pcap")) || (l > 7 && !strcmp(nm + l - 7, ".pcapng")))
			load_capture(c, dir, nm, savefiles);
		free(ents[i]);
	}
	free(ents);
}

/* An apply row's savefile (the tcpdump corpus has other files of the same name). */
static const struct capture *find_savefile(const struct corpus *c, const char *name)
{
	for (size_t i = 0; i < c->ncaps; i++)
		if (c->caps[i].savefile && !strcmp(c->caps[i].name, name))
			return &c->caps[i];
	return NULL;
}

/* ---------------------------------------------------------------- rows */

enum { F_KIND, F_DLT, F_EXPR, F_OUTCOME, F_OPT, F_UNOPT, F_SNAPLEN, F_NETMASK, F_FLAGS,
       F_DETAIL, F_NAME, F_REQUIRES, F_DEBIAN, F_COUNT };

/* Splits a line on tabs and undoes the \\ \t \n \r escapes in place. */
static int split_row(char *line, char **f)
{
	int n = 0;
	for (char *s = line; n < F_COUNT; n++) {
		f[n] = s;
		char *t = strchr(s, '\t');
		if (t)
			*t = 0;
		char *w = s;
		for (char *r = s; *r; r++) {
			if (*r == '\\' && r[1]) {
				r++;
				*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
			} else {
				*w++ = *r;
			}
		}
		*w = 0;
		if (!t)
			return n + 1;
		s = t + 1;
	}
	return n;
}

/* ------------------------------------------------------ known differences */

struct known {
	char **names;
	bool *seen;
	size_t n;
};

static void load_known(struct known *k, const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "filter_diff: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, in) > 0) {
		line[strcspn(line, "\t\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		k->names = xrealloc(k->names, (k->n + 1) * sizeof(*k->names));
		k->names[k->n++] = strdup(line);
	}
	free(line);
	fclose(in);
	k->seen = xrealloc(NULL, k->n + 1);
	memset(k->seen, 0, k->n + 1);
}

/* Index of a row name in the list, or -1. */
static long known_index(const struct known *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->names[i], name))
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------- results */

struct stats {
	unsigned rows, in_scope, out_of_scope, both_reject, both_accept;
	unsigned verdict_diffs, verdict_master; /* master-agreeing where 1.10.3 differs */
	unsigned rejects_with_col, col_bad;
	unsigned pairs, pair_diffs, engine_diffs;
	uint64_t packet_runs;
	unsigned apply_rows, apply_diffs, apply_master;
	unsigned unopt_oracle;
	unsigned moat_rejects;
	unsigned known_diffs, known_fixed;
	unsigned foreign, foreign_bad; /* rows for link types moat does not know */
	unsigned cross_compiles, cross_verdict_diffs, cross_pairs, cross_pair_diffs;
	unsigned cross_unsupported;
	int max_diag, diags[4]; /* per kind of difference */
};

enum { D_VERDICT, D_COLUMN, D_PACKETS, D_APPLY };

static void __attribute__((format(printf, 3, 4))) diag(struct stats *s, int kind,
							const char *fmt, ...)
{
	if (s->diags[kind]++ >= s->max_diag)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

/* The link types moat compiles for: those for which it compiles the empty
 * filter (asked once per link type, so the list follows the compiler). */
static bool moat_knows(int dlt)
{
	static signed char known[512]; /* 0 unknown yet, 1 yes, -1 no */
	if (dlt < 0 || dlt >= (int)sizeof(known))
		return false;
	if (!known[dlt]) {
		MOAT_OPTS(moat_filter_opts, o, .linktype = dlt);
		struct moat_filter *f = moat_filter_compile("", &o, NULL);
		known[dlt] = f ? 1 : -1;
		moat_filter_free(f);
	}
	return known[dlt] > 0;
}

/* moat's program made runnable: the eBPF program under the JIT. */
struct moat_side {
	struct moat_filter *f;
	struct moat_prog *prog;
	struct moat_exec *exec;
	moat_native_fn fn;
	struct moat_filter_pkt *buf;
	uint64_t mem_len;
};

static int moat_side_jit(struct moat_side *m, struct moat_vm *vm, struct moat_error *err)
{
	m->prog = moat_filter_ebpf(m->f, err);
	if (!m->prog)
		return -1;
	m->mem_len = moat_filter_mem_len(m->f);
	MOAT_OPTS(moat_exec_opts, eo, .mode = MOAT_EXEC_JIT, .mem_len = m->mem_len);
	m->exec = moat_exec_new(vm, m->prog, &eo, err);
	if (!m->exec)
		return -1;
	m->fn = moat_exec_native(m->exec);
	m->buf = calloc(1, m->mem_len);
	return m->buf ? 0 : moat_error_set(err, ENOMEM, "out of memory");
}

static void moat_side_release(struct moat_side *m)
{
	free(m->buf);
	moat_exec_free(m->exec);
	moat_prog_free(m->prog);
	moat_filter_free(m->f);
}

static bool moat_jit_verdict(struct moat_side *m, const uint8_t *d, uint32_t cap, uint32_t wire)
{
	m->buf->caplen = cap;
	m->buf->wirelen = wire;
	memcpy(m->buf->data, d, cap);
	uint64_t r0 = 0;
	if (m->fn)
		r0 = m->fn(m->buf, m->mem_len);
	else
		moat_exec_run(m->exec, m->buf, m->mem_len, &r0, NULL);
	return r0 != 0;
}

/*
 * Runs both programs over one capture, packets cut to snaplen as a capture
 * with that snapshot length would hold them.  Returns the number of
 * packets where libpcap and moat's JIT disagree; *engine counts packets
 * where moat's JIT and moat_filter_run disagree.  got[] (if not NULL)
 * receives moat's verdicts.
 */
static unsigned run_capture(struct moat_side *m, const struct bpf_program *bp,
			    const struct capture *c, uint32_t snaplen, unsigned *engine,
			    bool *got, long *first)
{
	unsigned diffs = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct packet *k = &c->pkts[i];
		struct pcap_pkthdr h = k->h;
		if (h.caplen > snaplen)
			h.caplen = snaplen;
		bool ref = pcap_offline_filter(bp, &h, k->data) != 0;
		bool jit = moat_jit_verdict(m, k->data, h.caplen, h.len);
		bool run = moat_filter_run(m->f, k->data, h.caplen, h.len) != 0;
		if (ref != jit) {
			if (!diffs && first)
				*first = (long)i;
			diffs++;
		}
		if (jit != run)
			(*engine)++;
		if (got)
			got[i] = jit;
	}
	return diffs;
}

/* ---------------------------------------------------------------- rows */

struct row_ctx {
	const struct corpus *c;
	struct moat_vm *vm;
	struct stats *s;
	struct known *known;
	const char *key; /* the row (or row@LINKTYPE) being compared */
	int dlts[16];    /* link types of the captures that moat compiles for */
	int ndlts;
};

/* Records a difference of the current comparison: a failure unless its
 * key is listed as known. */
static bool difference(struct row_ctx *x)
{
	long i = known_index(x->known, x->key);
	if (i < 0)
		return true;
	x->known->seen[i] = true;
	return false;
}

/* libpcap's program; when its optimizer finds the filter can never match
 * ("expression rejects all packets"), *rejects_all is set and the
 * unoptimized program is the reference, so moat may either refuse the
 * filter as libpcap does or compile it to a program that matches nothing. */
static bool pcap_side(int dlt, uint32_t snaplen, uint32_t mask, const char *expr,
		      struct bpf_program *bp, char *msg, size_t msglen, bool *rejects_all,
		      struct stats *s)
{
	*rejects_all = false;
	pcap_t *p = pcap_open_dead(dlt, (int)snaplen);
	if (!p) {
		snprintf(msg, msglen, "pcap_open_dead failed");
		return false;
	}
	bool ok = pcap_compile(p, bp, expr, 1, mask) == 0;
	if (!ok && strstr(pcap_geterr(p), "rejects all packets")) {
		snprintf(msg, msglen, "%s", pcap_geterr(p));
		ok = *rejects_all = pcap_compile(p, bp, expr, 0, mask) == 0;
		s->unopt_oracle += ok;
	}
	if (!ok)
		snprintf(msg, msglen, "%s", pcap_geterr(p));
	pcap_close(p);
	return ok;
}

/* Compares one apply row's per-packet results with the corpus's. */
static void check_apply(struct row_ctx *x, char **f, const struct capture *cap, const bool *got)
{
	const char *colon = strchr(f[F_DETAIL], ':');
	const char *r = colon ? colon + 1 : "";
	size_t i = 0;
	bool same = true;
	for (; *r && i < cap->n; i++) {
		char *end;
		unsigned long v = strtoul(r, &end, 10);
		if ((v != 0) != got[i])
			same = false;
		r = *end == ',' ? end + 1 : end;
	}
	if (*r || i != cap->n)
		same = false;
	x->s->apply_rows++;
	if (same || !difference(x))
		return;
	/* where 1.10.3 disagrees with master, the libpcap comparison decided */
	if (!strncmp(f[F_DEBIAN], "mismatch", 8)) {
		x->s->apply_master++;
		return;
	}
	x->s->apply_diffs++;
	diag(x->s, D_APPLY, "apply %s: '%s' on %s differs from the corpus's expected results",
	     f[F_NAME], f[F_EXPR], cap->name);
}

static void compare_packets(struct row_ctx *x, char **f, struct moat_side *m,
			    const struct bpf_program *bp, int dlt, uint32_t snaplen, bool cross)
{
	unsigned *pairs = cross ? &x->s->cross_pairs : &x->s->pairs;
	unsigned *pair_diffs = cross ? &x->s->cross_pair_diffs : &x->s->pair_diffs;
	struct moat_error err;
	moat_error_clear(&err);
	if (moat_side_jit(m, x->vm, &err) < 0) {
		difference(x);
		(*pair_diffs)++;
		diag(x->s, D_PACKETS, "%s '%s': moat's eBPF program does not run: %s", x->key,
		     f[F_EXPR], err.msg);
		return;
	}
	const struct capture *only = NULL;
	if (!strcmp(f[F_KIND], "apply")) {
		char file[256];
		snprintf(file, sizeof(file), "%.*s", (int)strcspn(f[F_DETAIL], ":"), f[F_DETAIL]);
		only = find_savefile(x->c, file);
	}
	for (size_t ci = 0; ci < x->c->ncaps; ci++) {
		const struct capture *cap = &x->c->caps[ci];
		if ((only && cap != only) || (!only && cap->dlt != dlt))
			continue;
		bool *got = calloc(cap->n + 1, sizeof(bool));
		long first = -1;
		unsigned d = run_capture(m, bp, cap, snaplen, &x->s->engine_diffs, got, &first);
		(*pairs)++;
		x->s->packet_runs += cap->n;
		if (d && difference(x)) {
			(*pair_diffs)++;
			diag(x->s, D_PACKETS, "%s '%s' on %s: %u packet%s differ from libpcap (first: "
			     "packet %ld)", x->key, f[F_EXPR], cap->name, d, d == 1 ? "" : "s", first + 1);
		}
		if (only)
			check_apply(x, f, cap, got);
		free(got);
	}
}

/* Where libpcap 1.10.3 and master disagree, moat may side with master. */
static bool master_agrees(char **f, bool moat_ok)
{
	bool debian_differs = !strncmp(f[F_DEBIAN], "err:", 4) != !strcmp(f[F_OUTCOME], "invalid");
	if (!debian_differs)
		return false;
	return moat_ok == (strcmp(f[F_OUTCOME], "invalid") != 0);
}

/* A link type moat does not compile for: a clean refusal with a message. */
static void out_of_scope(struct row_ctx *x, char **f, int dlt)
{
	if (dlt < 0 || moat_knows(dlt))
		return;
	struct moat_error err;
	moat_error_clear(&err);
	MOAT_OPTS(moat_filter_opts, o, .linktype = dlt);
	struct moat_filter *mf = moat_filter_compile(f[F_EXPR], &o, &err);
	x->s->foreign++;
	if (!mf && err.errnum && err.msg[0])
		return;
	x->s->foreign_bad++;
	diag(x->s, D_VERDICT, "%s [%s] '%s': moat %s", f[F_NAME], f[F_DLT], f[F_EXPR],
	     mf ? "compiles for a link type it does not know" : "refuses without a message");
	moat_filter_free(mf);
}

/*
 * An accepted expression compiled again for every other link type moat
 * knows that has captures, and compared there too: the corpus writes most
 * expressions for Ethernet only.  A refusal with ENOTSUP (moat_filter_compile's
 * "not implemented") is counted, not failed: the corpus does not ask for
 * these combinations.  Keys in the known list: NAME@LINKTYPE.
 */
static void cross_links(struct row_ctx *x, char **f, int row_dlt, uint32_t mask)
{
	for (int i = 0; i < x->ndlts; i++) {
		int dlt = x->dlts[i];
		if (dlt == row_dlt)
			continue;
		char key[300];
		const char *dname = pcap_datalink_val_to_name(dlt);
		snprintf(key, sizeof(key), "%s@%s", f[F_NAME], dname ? dname : "?");
		x->key = key;
		struct bpf_program bp = { 0 };
		char pmsg[PCAP_ERRBUF_SIZE] = "";
		bool rejects_all;
		bool pok = pcap_side(dlt, 262144, mask, f[F_EXPR], &bp, pmsg, sizeof(pmsg),
				     &rejects_all, x->s);
		struct moat_error err;
		moat_error_clear(&err);
		MOAT_OPTS(moat_filter_opts, o, .linktype = dlt, .optimize = true,
			  .netmask = mask == PCAP_NETMASK_UNKNOWN ? 0 : mask);
		struct moat_side m = { .f = moat_filter_compile(f[F_EXPR], &o, &err) };
		bool mok = m.f != NULL;
		x->s->cross_compiles++;
		if (pok && mok)
			compare_packets(x, f, &m, &bp, dlt, 262144, true);
		else if (pok && !rejects_all && err.errnum == ENOTSUP)
			x->s->cross_unsupported++; /* the API's word for a part not implemented */
		else if (pok != mok && !(pok && rejects_all) && difference(x)) {
			x->s->cross_verdict_diffs++;
			diag(x->s, D_VERDICT, "%s '%s': libpcap %s%s%s, moat %s%s", key, f[F_EXPR],
			     pok ? "accepts" : "rejects (", pok ? "" : pmsg, pok ? "" : ")",
			     mok ? "accepts" : "rejects: ", mok ? "" : err.msg);
		}
		if (pok)
			pcap_freecode(&bp);
		moat_side_release(&m);
	}
	x->key = f[F_NAME];
}

static void check_row(struct row_ctx *x, char **f)
{
	struct stats *s = x->s;
	x->key = f[F_NAME];
	int dlt;
	const struct capture *cap = NULL;
	if (!strcmp(f[F_KIND], "apply")) {
		char file[256];
		snprintf(file, sizeof(file), "%.*s", (int)strcspn(f[F_DETAIL], ":"), f[F_DETAIL]);
		cap = find_savefile(x->c, file);
		dlt = cap ? cap->dlt : -1;
	} else {
		dlt = pcap_datalink_name_to_val(f[F_DLT]);
	}
	/* moat's options spell "netmask unknown" as 0, so a known netmask of
	 * 0.0.0.0 (one row) cannot be asked of it */
	if (dlt < 0 || !moat_knows(dlt) || !strcmp(f[F_NETMASK], "0.0.0.0")) {
		s->out_of_scope++;
		out_of_scope(x, f, dlt);
		return;
	}
	s->in_scope++;
	uint32_t snaplen = *f[F_SNAPLEN] ? (uint32_t)strtoul(f[F_SNAPLEN], NULL, 10) : 262144;
	uint32_t mask = PCAP_NETMASK_UNKNOWN;
	struct in_addr ia;
	if (*f[F_NETMASK] && inet_pton(AF_INET, f[F_NETMASK], &ia) == 1)
		mask = ntohl(ia.s_addr); /* host order, as libpcap's filtertest passes it */
	const char *expr = f[F_EXPR];
	struct bpf_program bp = { 0 };
	char pmsg[PCAP_ERRBUF_SIZE] = "";
	bool rejects_all;
	bool pok = pcap_side(dlt, snaplen, mask, expr, &bp, pmsg, sizeof(pmsg), &rejects_all, s);

	struct moat_error err;
	moat_error_clear(&err);
	MOAT_OPTS(moat_filter_opts, o, .linktype = dlt, .snaplen = snaplen,
		  .netmask = mask == PCAP_NETMASK_UNKNOWN ? 0 : mask, .optimize = true);
	struct moat_side m = { .f = moat_filter_compile(expr, &o, &err) };
	bool mok = m.f != NULL;
	if (!mok) {
		s->moat_rejects++;
		size_t len = strlen(expr);
		if (err.col > 0)
			s->rejects_with_col++;
		if (err.col < 0 || (size_t)err.col > len + 1) {
			s->col_bad++;
			diag(s, D_COLUMN, "%s '%s': column %d outside the expression", f[F_NAME], expr, err.col);
		}
	}
	if (pok && rejects_all && !mok) {
		/* libpcap's optimizer refuses it too ("expression rejects all
		 * packets"); only with -O would libpcap accept it */
		s->both_reject++;
	} else if (pok != mok) {
		if (master_agrees(f, mok)) {
			s->verdict_master++;
		} else if (difference(x)) {
			s->verdict_diffs++;
			diag(s, D_VERDICT, "%s [%s] '%s': libpcap %s%s%s, moat %s%s", f[F_NAME], f[F_DLT], expr,
			     pok ? "accepts" : "rejects (", pok ? "" : pmsg, pok ? "" : ")",
			     mok ? "accepts" : "rejects: ", mok ? "" : err.msg);
		}
	} else if (!pok) {
		s->both_reject++;
	} else {
		s->both_accept++;
		compare_packets(x, f, &m, &bp, dlt, snaplen, false);
	}
	if (pok)
		pcap_freecode(&bp);
	moat_side_release(&m);
	if (pok && mok && (!strcmp(f[F_KIND], "accept") || !strcmp(f[F_KIND], "example")))
		cross_links(x, f, dlt, mask);
}

/* Listed rows that no longer differ: the list should lose them. */
static void report_fixed(const struct known *k, struct stats *s)
{
	for (size_t i = 0; i < k->n; i++) {
		if (k->seen[i]) {
			s->known_diffs++;
			continue;
		}
		s->known_fixed++;
		printf("# known difference gone (remove it from the list): %s\n", k->names[i]);
	}
}

/* -------------------------------------------------------------- driver */

static int tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	tap_failed += !ok;
}

static void report(const struct stats *s, const struct corpus *c)
{
	if (s->known_diffs || s->known_fixed)
		printf("# %u listed rows still differ (known gaps of moat's compiler, not counted "
		       "below); %u listed rows now agree\n", s->known_diffs, s->known_fixed);
	tap(s->in_scope >= 3000, "%u of %u corpus rows are for link types moat compiles for "
	    "(%u others out of scope)", s->in_scope, s->rows, s->out_of_scope);
	tap(s->foreign_bad == 0, "the %u rows for other link types are refused with a message",
	    s->foreign);
	tap(s->verdict_diffs == 0, "accept/reject agrees with libpcap: %u both accept, %u both "
	    "reject, %u differences (%u more side with libpcap master where 1.10.3 differs)",
	    s->both_accept, s->both_reject, s->verdict_diffs, s->verdict_master);
	tap(s->col_bad == 0, "every rejection's column lies in the expression (%u of %u name one)",
	    s->rejects_with_col, s->moat_rejects);
	tap(s->pair_diffs == 0 && s->pairs >= 1000, "same matching packets as libpcap on %u "
	    "expression x capture pairs (%llu packet runs over %zu captures, %llu packets; %u "
	    "differ; %u references unoptimized)", s->pairs, (unsigned long long)s->packet_runs,
	    c->ncaps, (unsigned long long)c->npackets, s->pair_diffs, s->unopt_oracle);
	tap(s->cross_verdict_diffs == 0 && s->cross_pair_diffs == 0 && s->cross_pairs >= 1000,
	    "accepted expressions compiled for the other link types: %u compiles, %u verdict "
	    "differences (%u more refused as not implemented, ENOTSUP), %u expression x capture "
	    "pairs, %u differ", s->cross_compiles, s->cross_verdict_diffs, s->cross_unsupported,
	    s->cross_pairs, s->cross_pair_diffs);
	tap(s->engine_diffs == 0, "moat's JIT and moat_filter_run agree on every packet "
	    "(%u differ)", s->engine_diffs);
	tap(s->apply_diffs == 0 && s->apply_rows >= 25, "%u apply rows reproduce the corpus's "
	    "per-packet results (%u differ; %u follow 1.10.3 where master differs)", s->apply_rows,
	    s->apply_diffs, s->apply_master);
}

int main(int argc, char **argv)
{
	struct stats s = { .max_diag = 40 };
	int opt;
	struct known known = { 0 };
	while ((opt = getopt(argc, argv, "n:k:")) != -1) {
		if (opt == 'k')
			load_known(&known, optarg);
		else if (opt == 'n')
			s.max_diag = atoi(optarg);
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: filter_diff [-n MAX_DIAG] [-k KNOWN] FILTERS_DIR PCAPS_DIR\n");
		return 2;
	}
	const char *fdir = argv[optind], *pdir = argv[optind + 1];
	struct corpus c = { 0 };
	char path[4096];
	load_dir(&c, pdir, false);
	snprintf(path, sizeof(path), "%s/libpcap-savefiles", fdir);
	load_dir(&c, path, true);
	snprintf(path, sizeof(path), "%s/libpcap-expressions.txt", fdir);
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "filter_diff: %s: %s\n", path, strerror(errno));
		return 2;
	}
	struct moat_error err;
	if (!known.seen)
		known.seen = xrealloc(NULL, 1);
	struct row_ctx x = { .c = &c, .vm = moat_vm_new(NULL, &err), .s = &s, .known = &known };
	for (size_t i = 0; i < c.ncaps; i++) {
		int d = c.caps[i].dlt, k = 0;
		while (k < x.ndlts && x.dlts[k] != d)
			k++;
		if (k == x.ndlts && x.ndlts < 16 && moat_knows(d))
			x.dlts[x.ndlts++] = d;
	}
	if (!x.vm)
		return 2;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, in)) > 0) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (line[len - 1] == '\n')
			line[len - 1] = 0;
		char *f[F_COUNT];
		if (split_row(line, f) < F_COUNT)
			continue;
		s.rows++;
		check_row(&x, f);
	}
	free(line);
	fclose(in);
	report_fixed(&known, &s);
	report(&s, &c);
	printf("1..%d\n", tap_n);
	moat_vm_free(x.vm);
	for (size_t i = 0; i < c.ncaps; i++) {
		for (size_t k = 0; k < c.caps[i].n; k++)
			free(c.caps[i].pkts[k].data);
		free(c.caps[i].pkts);
	}
	free(c.caps);
	for (size_t i = 0; i < known.n; i++)
		free(known.names[i]);
	free(known.names);
	free(known.seen);
	return tap_failed ? 1 : 0;
}
