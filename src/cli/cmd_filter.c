/*
 * moat filter: tcpdump's filter language over captures (offline, moat's
 * JIT) and live interfaces (moat's classic program run by the kernel).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <moat/filter.h>

#include "cli/cli.h"
#include "cli/filter_print.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/sbuf.h"

const char cmd_filter_usage[] =
	"usage: moat filter [-r FILE | -i IFACE] [-w OUT] [-c N] [-q] [--json] [-y LINKTYPE]\n"
	"                   [-d | -dd | -ddd] [--ebpf] [--] EXPRESSION...\n"
	"\n"
	"Compile a tcpdump filter expression (pcap-filter(7)) with moat's compiler and\n"
	"print the packets it matches, one line each:\n"
	"\n"
	"    12:04:05.123456 TCP 10.0.0.1:1234 > 10.0.0.2:80 len 74\n"
	"    12:04:05.200001 vlan 7 UDP [2001:db8::1]:53 > [2001:db8::2]:5353 len 90\n"
	"\n"
	"(UTC time, VLAN tags, protocol, source > destination with ports, length on\n"
	"the wire, and 'cap N' when fewer bytes were captured).  The words of the\n"
	"expression are joined with spaces, as tcpdump does.  At the end a summary goes\n"
	"to stderr: 'N packets read, M matched' (live: also 'kernel: N packets passed\n"
	"the filter, D dropped', the socket's statistics).\n"
	"\n"
	"  -r FILE       read a pcap or pcapng capture ('-' for stdin) through libpcap;\n"
	"                each packet runs through moat's eBPF program compiled to x86-64\n"
	"                by moat's JIT.  A damaged capture: the packets before the damage\n"
	"                are processed and reported, then the error names the file\n"
	"  -i IFACE      capture live on IFACE (root): moat's classic program is handed\n"
	"                to the kernel (SO_ATTACH_FILTER through pcap_setfilter), so the\n"
	"                kernel runs it and only matching packets reach moat; stops after\n"
	"                -c packets or at SIGINT/SIGTERM\n"
	"  -w OUT        write the matching packets to OUT as a pcap file ('-' for\n"
	"                stdout) instead of printing them\n"
	"  -c N          stop after N matching packets\n"
	"  -q            print no packet lines, only the summary\n"
	"  --json        one JSON object per matching packet instead of the line:\n"
	"                {\"time\",\"ts\",\"len\",\"caplen\",\"vlan\":[..],\"proto\",\"proto_num\",\n"
	"                \"src\",\"dst\",\"sport\",\"dport\",\"icmp_type\",\"icmp_code\",\"arp_op\",\n"
	"                \"is_at\",\"frag\",\"truncated\"} (fields a packet lacks are left out)\n"
	"  -y LINKTYPE   the link type to compile for when there is no capture (-d):\n"
	"                EN10MB (default), RAW, LINUX_SLL, LINUX_SLL2, NULL, LOOP, IPV4, IPV6\n"
	"  -d            print the classic program as 'tcpdump -d' does and exit;\n"
	"                -dd as a C array, -ddd as decimal numbers (count first)\n"
	"  --ebpf        with -d: print the eBPF program moat runs offline instead\n"
	"                (-d moat's assembly, -dd a C array of {code, dst, src, off, imm},\n"
	"                -ddd the count then one 'code dst src off imm' line each)\n"
	"\n"
	"A bad expression is reported with a caret under the offending token:\n"
	"\n"
	"    moat: filter: expression:1:10: illegal port number 99999 > 65535\n"
	"      tcp port 99999\n"
	"               ^\n"
	"\n"
	"Exit status: 0 success (also when nothing matched), 1 bad expression or\n"
	"unreadable/damaged capture, 2 usage error.\n";

static const struct cli_cmd filter_cmd = { "filter", NULL, cmd_filter_usage, NULL, NULL };

struct filter_args {
	const char *rfile, *iface, *wfile, *linktype;
	uint64_t count; /* 0: no limit */
	bool quiet, ebpf, json;
	int dump;       /* number of -d */
	char *expr;     /* the joined words, malloc'd */
};

/* State of one run: the program, where matches go, the counters. */
struct filter_run {
	const struct filter_args *a;
	const char *src; /* the capture's name, for messages */
	int dlt;
	struct moat_filter *f;
	struct moat_prog *prog;
	struct moat_vm *vm;
	struct moat_exec *exec;
	moat_native_fn fn;
	struct moat_filter_pkt *buf; /* one packet in the program's layout */
	uint32_t snaplen;
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	char *rbuf, *wbuf; /* stdio buffers of the capture and -w (IO_BUF bytes) */
	uint64_t read, matched;
};

/* ------------------------------------------------------------------ options */

static int parse_args(int argc, char **argv, struct filter_args *a)
{
	static const struct option longopts[] = {
		{ "ebpf", no_argument, NULL, 'E' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:i:w:c:qdy:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': a->rfile = optarg; break;
		case 'i': a->iface = optarg; break;
		case 'w': a->wfile = optarg; break;
		case 'y': a->linktype = optarg; break;
		case 'q': a->quiet = true; break;
		case 'd': a->dump++; break;
		case 'E': a->ebpf = true; break;
		case 'J': a->json = true; break;
		case 'c':
			if (!cli_parse_u64(optarg, UINT64_MAX, &a->count) || !a->count)
				return cli_usage(&filter_cmd, "-c wants a packet count above 0, not '%s'",
						 optarg);
			break;
		default:
			if (optopt && strchr("riwcy", optopt))
				return cli_usage(&filter_cmd, "option -%c needs an argument", optopt);
			return cli_usage(&filter_cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (a->rfile && a->iface)
		return cli_usage(&filter_cmd, "-r and -i exclude each other");
	if (a->dump > 3)
		return cli_usage(&filter_cmd, "at most -ddd");
	if (a->ebpf && !a->dump)
		return cli_usage(&filter_cmd, "--ebpf only changes what -d prints");
	if (a->json && (a->dump || a->wfile || a->quiet))
		return cli_usage(&filter_cmd, "--json is for packet lines, not with -d, -w or -q");
	if (!a->dump && !a->rfile && !a->iface)
		return cli_usage(&filter_cmd, "nothing to filter: give -r FILE or -i IFACE (or -d)");
	if (a->linktype && (a->rfile || a->iface))
		return cli_usage(&filter_cmd, "-y is for -d without a capture; the capture "
					      "names its own link type");
	struct sbuf e = { 0 };
	for (int i = optind; i < argc; i++)
		sbuf_printf(&e, "%s%s", i > optind ? " " : "", argv[i]);
	if (e.oom)
		return cli_fail("filter", "out of memory");
	a->expr = sbuf_take(&e);
	if (!a->expr && !(a->expr = strdup("")))
		return cli_fail("filter", "out of memory");
	return EXIT_OK;
}

/* ---------------------------------------------------------------- compiling */

/* "moat: filter: expression:1:COL: msg", then the expression and a caret.
 * Errors without a column are about the whole filter or the capture's link
 * type: they name the capture when there is one. */
static int report_compile_error(const char *src, const char *expr, const struct moat_error *err)
{
	if (err->col <= 0)
		return cli_fail("filter", "%s: %s", src ? src : "expression", err->msg);
	cli_fail("filter", "expression:1:%d: %s", err->col, err->msg);
	fprintf(stderr, "  %s\n  %*s^\n", expr, err->col - 1, "");
	return EXIT_FAIL;
}

static int compile(struct filter_run *r, const char *expr, uint32_t netmask)
{
	struct moat_error err;
	moat_error_clear(&err);
	MOAT_OPTS(moat_filter_opts, o, .linktype = r->dlt, .snaplen = r->snaplen,
		  .netmask = netmask, .optimize = true);
	r->f = moat_filter_compile(expr, &o, &err);
	if (!r->f)
		return report_compile_error(r->src, expr, &err);
	return EXIT_OK;
}

static bool empty_expr(const char *e)
{
	return e[strspn(e, " \t\n\r")] == 0;
}

/* The eBPF program of the offline contract, verified and JIT-compiled. */
static int prepare_jit(struct filter_run *r)
{
	struct moat_error err;
	moat_error_clear(&err);
	r->prog = moat_filter_ebpf(r->f, &err);
	if (!r->prog)
		return cli_fail_err("filter", &err);
	r->vm = moat_vm_new(NULL, &err);
	if (!r->vm)
		return cli_fail_err("filter", &err);
	MOAT_OPTS(moat_exec_opts, eo, .mode = MOAT_EXEC_JIT, .mem_len = moat_filter_mem_len(r->f));
	r->exec = moat_exec_new(r->vm, r->prog, &eo, &err);
	if (!r->exec)
		return cli_fail_err("filter", &err);
	r->fn = moat_exec_native(r->exec);
	r->buf = calloc(1, moat_filter_mem_len(r->f));
	if (!r->buf)
		return cli_fail("filter", "out of memory");
	return EXIT_OK;
}

static void run_release(struct filter_run *r)
{
	if (r->dumper)
		pcap_dump_close(r->dumper);
	if (r->pcap)
		pcap_close(r->pcap);
	free(r->rbuf);
	free(r->wbuf);
	free(r->buf);
	moat_exec_free(r->exec);
	moat_vm_free(r->vm);
	moat_prog_free(r->prog);
	moat_filter_free(r->f);
}

/* ------------------------------------------------------------------ dumping */

static int dump_cbpf(const struct moat_filter *f, int level)
{
	size_t n;
	const struct moat_cbpf_insn *in = moat_filter_cbpf(f, &n);
	if (level == 1) {
		MOAT_AUTO(free) char *s = moat_filter_listing(f);
		if (!s)
			return cli_fail("filter", "out of memory");
		fputs(s, stdout);
		return EXIT_OK;
	}
	/* the formats of libpcap's bpf_dump(), which tcpdump -dd/-ddd call */
	if (level == 3)
		printf("%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		if (level == 2)
			printf("{ 0x%x, %d, %d, 0x%08x },\n", in[i].code, in[i].jt, in[i].jf, in[i].k);
		else
			printf("%u %u %u %u\n", in[i].code, in[i].jt, in[i].jf, in[i].k);
	}
	return EXIT_OK;
}

static int dump_ebpf(const struct moat_filter *f, int level)
{
	struct moat_error err;
	moat_error_clear(&err);
	struct moat_prog *p = moat_filter_ebpf(f, &err);
	if (!p)
		return cli_fail_err("filter", &err);
	size_t n;
	const struct moat_insn *in = moat_prog_insns(p, &n);
	int rc = EXIT_OK;
	if (level == 1) {
		char *s = moat_disasm(in, n, MOAT_SYNTAX_MOAT, true, &err);
		if (s)
			fputs(s, stdout);
		else
			rc = cli_fail_err("filter", &err);
		free(s);
	} else {
		if (level == 3)
			printf("%zu\n", n);
		for (size_t i = 0; i < n; i++) {
			if (level == 2)
				printf("{ 0x%02x, %u, %u, %d, 0x%08x },\n", in[i].code, in[i].dst,
				       in[i].src, in[i].off, (uint32_t)in[i].imm);
			else
				printf("%u %u %u %d %d\n", in[i].code, in[i].dst, in[i].src, in[i].off,
				       in[i].imm);
		}
	}
	moat_prog_free(p);
	return rc;
}

/* The capture's snapshot length, as the compiler takes it (1..262144). */
static uint32_t capture_snaplen(pcap_t *p)
{
	int snap = pcap_snapshot(p);
	return snap > 0 && snap <= 262144 ? (uint32_t)snap : 262144;
}

/* -d: compile for the capture's link type, or -y's (Ethernet by default). */
static int run_dump(struct filter_run *r, pcap_t *p)
{
	if (p) {
		r->dlt = pcap_datalink(p);
		r->snaplen = capture_snaplen(p);
	} else if (r->a->linktype) {
		struct moat_error err;
		moat_error_clear(&err);
		if (moat_filter_linktype_parse(r->a->linktype, &r->dlt, &err) < 0)
			return cli_usage(&filter_cmd, "%s", err.msg);
	} else {
		r->dlt = MOAT_DLT_EN10MB;
	}
	int rc = compile(r, r->a->expr, 0);
	if (rc)
		return rc;
	return r->a->ebpf ? dump_ebpf(r->f, r->a->dump) : dump_cbpf(r->f, r->a->dump);
}

/* ------------------------------------------------------------- the packets */

static void emit_match(struct filter_run *r, const struct pcap_pkthdr *h, const uint8_t *data)
{
	r->matched++;
	if (r->dumper) {
		pcap_dump((u_char *)r->dumper, h, data);
		return;
	}
	if (r->a->quiet)
		return;
	char line[512];
	struct fp_packet fp = { .dlt = r->dlt, .ts = h->ts, .data = data, .caplen = h->caplen,
				.wirelen = h->len };
	if (r->a->json) {
		struct sbuf b = { 0 };
		struct json j = { .out = &b };
		fp_json(&j, &fp);
		puts(sbuf_str(&b));
		sbuf_release(&b);
		return;
	}
	fp_format(line, sizeof(line), &fp);
	puts(line);
}

/* Runs the JIT-compiled program on one packet: copies it into the
 * contract's layout (header words, then at most snaplen bytes). */
static bool matches(struct filter_run *r, const struct pcap_pkthdr *h, const uint8_t *data)
{
	if (!r->exec)
		return true; /* the empty filter */
	uint32_t cap = h->caplen < r->snaplen ? h->caplen : r->snaplen;
	size_t mem_len = sizeof(*r->buf) + r->snaplen;
	r->buf->caplen = cap;
	r->buf->wirelen = h->len;
	memcpy(r->buf->data, data, cap);
	if (r->fn)
		return r->fn(r->buf, mem_len) != 0;
	uint64_t r0 = 0;
	moat_exec_run(r->exec, r->buf, mem_len, &r0, NULL);
	return r0 != 0;
}

/* Captures are read and written through stdio with 64 KB buffers rather
 * than the 4 KB default: a 350 MB capture then takes some 9,000 read and
 * write calls instead of 140,000, while the buffer the kernel copies into
 * still fits in L2 (a 1 MB one did not, and the copies got slower).
 * (glibc ignores the size unless it is given the buffer too.)  A file's
 * buffer is freed after the stream is closed; stdin and stdout outlive the
 * run, so theirs is static; without memory a stream keeps its default. */
#define IO_BUF (1u << 16)

static void big_buffer(FILE *fp, char **buf)
{
	static char stdin_buf[IO_BUF], stdout_buf[IO_BUF];
	if (fp == stdin || fp == stdout) {
		setvbuf(fp, fp == stdin ? stdin_buf : stdout_buf, _IOFBF, IO_BUF);
		return;
	}
	if ((*buf = malloc(IO_BUF)))
		setvbuf(fp, *buf, _IOFBF, IO_BUF);
}

static int open_dumper(struct filter_run *r)
{
	if (!r->a->wfile)
		return EXIT_OK;
	if (!strcmp(r->a->wfile, "-")) {
		big_buffer(stdout, &r->wbuf); /* nothing written to it yet */
		r->dumper = pcap_dump_open(r->pcap, "-");
	} else {
		FILE *fp = fopen(r->a->wfile, "wb");
		if (!fp)
			return cli_fail("filter", "%s: %s", r->a->wfile, strerror(errno));
		big_buffer(fp, &r->wbuf);
		r->dumper = pcap_dump_fopen(r->pcap, fp); /* closes fp from now on */
		if (!r->dumper)
			fclose(fp);
	}
	if (!r->dumper)
		return cli_fail("filter", "%s: %s", r->a->wfile, pcap_geterr(r->pcap));
	return EXIT_OK;
}

static void summary(const struct filter_run *r)
{
	fflush(stdout);
	fprintf(stderr, "%llu packet%s read, %llu matched\n", (unsigned long long)r->read,
		r->read == 1 ? "" : "s", (unsigned long long)r->matched);
}

/* libpcap's open errors often start with the path already. */
static int open_error(const char *name, const char *path, const char *ebuf)
{
	size_t n = strlen(path);
	if (!strncmp(ebuf, path, n) && !strncmp(ebuf + n, ": ", 2))
		ebuf += n + 2;
	return cli_fail("filter", "%s: %s", name, ebuf);
}

/* pcap_loop's callback: libpcap's reader hands each record over in
 * place (no per-packet call into pcap_next_ex, no filter of its own). */
static void on_offline_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct filter_run *r = (struct filter_run *)user;
	r->read++;
	if (!matches(r, h, data))
		return;
	emit_match(r, h, data);
	if (r->a->count && r->matched >= r->a->count)
		pcap_breakloop(r->pcap);
}

static int run_offline(struct filter_run *r)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	r->src = strcmp(r->a->rfile, "-") ? r->a->rfile : "<stdin>";
	FILE *fp = strcmp(r->a->rfile, "-") ? fopen(r->a->rfile, "rb") : stdin;
	if (!fp)
		return cli_fail("filter", "%s: %s", r->src, strerror(errno));
	big_buffer(fp, &r->rbuf);
	r->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!r->pcap) { /* pcap_close() closes fp once it has a handle */
		if (fp != stdin)
			fclose(fp);
		return open_error(r->src, r->a->rfile, ebuf);
	}
	if (r->a->dump)
		return run_dump(r, r->pcap);
	r->dlt = pcap_datalink(r->pcap);
	r->snaplen = capture_snaplen(r->pcap);
	/* As in tcpdump, no expression is no filter: every packet, whatever
	 * the link type (moat's compiler knows only some). */
	int rc = empty_expr(r->a->expr) ? EXIT_OK : compile(r, r->a->expr, 0);
	if (!rc && r->f)
		rc = prepare_jit(r);
	if (!rc)
		rc = open_dumper(r);
	if (rc)
		return rc;
	int st = pcap_loop(r->pcap, -1, on_offline_packet, (u_char *)r);
	summary(r);
	if (r->dumper && pcap_dump_flush(r->dumper) < 0)
		return cli_fail("filter", "%s: cannot write: %s", r->a->wfile, strerror(errno));
	if ((!r->a->count || r->matched < r->a->count) && st == PCAP_ERROR)
		return cli_fail("filter", "%s: packet %llu: %s", r->src,
				(unsigned long long)r->read + 1, pcap_geterr(r->pcap));
	return EXIT_OK;
}

/* ---------------------------------------------------------------- live */

static pcap_t *live_handle; /* for the signal handler: pcap_breakloop is async-safe */

static void on_signal(int sig)
{
	(void)sig;
	if (live_handle)
		pcap_breakloop(live_handle);
}

static void on_live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct filter_run *r = (struct filter_run *)user;
	r->read++; /* the kernel already dropped what did not match */
	emit_match(r, h, data);
	if (r->a->count && r->matched >= r->a->count)
		pcap_breakloop(r->pcap);
}

static int open_live(struct filter_run *r)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	r->src = r->a->iface;
	r->pcap = pcap_create(r->a->iface, ebuf);
	if (!r->pcap)
		return open_error(r->src, r->src, ebuf);
	pcap_set_snaplen(r->pcap, 262144);
	pcap_set_immediate_mode(r->pcap, 1);
	pcap_set_timeout(r->pcap, 100);
	int st = pcap_activate(r->pcap);
	if (st < 0)
		return cli_fail("filter", "%s: %s", r->src,
				st == PCAP_ERROR ? pcap_geterr(r->pcap) : pcap_statustostr(st));
	r->dlt = pcap_datalink(r->pcap);
	r->snaplen = capture_snaplen(r->pcap);
	return EXIT_OK;
}

/*
 * Hands moat's classic program to libpcap, which attaches it to the
 * capture socket with SO_ATTACH_FILTER: the kernel checks it again and
 * runs it on every packet.  moat_filter_cbpf's program already passed
 * moat_cbpf_check; struct moat_cbpf_insn has struct bpf_insn's layout.
 */
static int attach(struct filter_run *r)
{
	size_t n;
	const struct moat_cbpf_insn *in = moat_filter_cbpf(r->f, &n);
	_Static_assert(sizeof(struct bpf_insn) == sizeof(struct moat_cbpf_insn), "layout");
	struct bpf_program bp = { .bf_len = (u_int)n, .bf_insns = (struct bpf_insn *)in };
	if (pcap_setfilter(r->pcap, &bp) < 0)
		return cli_fail("filter", "%s: attaching the filter: %s", r->src,
				pcap_geterr(r->pcap));
	return EXIT_OK;
}

static int run_live(struct filter_run *r)
{
	int rc = open_live(r);
	if (rc)
		return rc;
	if (r->a->dump)
		return run_dump(r, r->pcap);
	bpf_u_int32 net = 0, mask = 0;
	char ebuf[PCAP_ERRBUF_SIZE];
	if (pcap_lookupnet(r->a->iface, &net, &mask, ebuf) < 0)
		mask = 0; /* no IPv4 address: `ip broadcast` is refused, as in tcpdump */
	rc = compile(r, r->a->expr, ntohl(mask));
	if (!rc)
		rc = attach(r);
	if (!rc)
		rc = open_dumper(r);
	if (rc)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	live_handle = r->pcap;
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	int st = pcap_loop(r->pcap, -1, on_live_packet, (u_char *)r);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	live_handle = NULL;
	struct pcap_stat ps;
	bool have_stats = pcap_stats(r->pcap, &ps) == 0;
	summary(r);
	/* on Linux ps_recv counts what passed the socket filter: moat's program */
	if (have_stats)
		fprintf(stderr, "kernel: %u packet%s passed the filter, %u dropped\n", ps.ps_recv,
			ps.ps_recv == 1 ? "" : "s", ps.ps_drop);
	if (st == PCAP_ERROR)
		return cli_fail("filter", "%s: %s", r->src, pcap_geterr(r->pcap));
	return EXIT_OK;
}

int cmd_filter(int argc, char **argv)
{
	if (cli_wants_help(&filter_cmd, argc, argv))
		return EXIT_OK;
	struct filter_args a = { 0 };
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		free(a.expr);
		return rc;
	}
	struct filter_run r = { .a = &a };
	if (a.rfile)
		rc = run_offline(&r);
	else if (a.iface)
		rc = run_live(&r);
	else
		rc = run_dump(&r, NULL);
	run_release(&r);
	free(a.expr);
	return rc;
}
