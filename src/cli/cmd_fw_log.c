/*
 * moat fw log: the records of rules with `log`, from the pinned ring
 * buffer of each loaded firewall (pf's pflog, read as `tcpdump -e -r`
 * prints it), as text, JSON lines or a pcap file.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <moat/kernel_attach.h>
#include <moat/kernel_netdev.h>

#include "cli/fw_cli.h"
#include "util/json.h"

const char cmd_fw_log_usage[] =
	"usage: moat fw log [--dev IFACE] [--json] [-c N] [-w FILE.pcap] [--timeout SECONDS]\n"
	"\n"
	"Print the log records of the loaded firewalls (of IFACE's only with --dev):\n"
	"every packet that a rule with 'log' decided leaves one record in the\n"
	"firewall's ring buffer (/sys/fs/bpf/moat/fw/IFACE/log), with the time, the\n"
	"rule, the action, the direction, the interface, addresses, ports, the\n"
	"length and the first 128 bytes of the frame.  Packets that an existing\n"
	"connection's state lets through are not logged (as in pf).  Records wait\n"
	"in the ring buffer until read, so this prints those logged before it\n"
	"started, then follows new ones until interrupted.  One line a record:\n"
	"\n"
	"  12:00:01.123456 rule 2: block in on eth0: 192.0.2.7.4000 > 10.0.0.1.22: tcp [S], length 74\n"
	"\n"
	"  --dev IFACE         only IFACE's firewall\n"
	"  --json              one JSON object a line: {\"time\",\"time_ns\",\"dev\",\"ifindex\",\n"
	"                      \"rule\",\"action\",\"dir\",\"proto\",\"src\",\"dst\",\"sport\",\n"
	"                      \"dport\",\"flags\",\"length\",\"caplen\"}\n"
	"  -c, --count N       stop after N records\n"
	"  -w, --write FILE    write the frames to FILE (pcap, Ethernet, each cut to the\n"
	"                      captured bytes) instead of printing them\n"
	"  --timeout SECONDS   stop after SECONDS\n"
	"\n"
	"A record is lost when the ring buffer (256 KiB, about 1,300 records) is full.\n"
	"\n"
	"Exit status: 0 done (count reached, timeout, interrupted), 1 error (no loaded\n"
	"firewall has a rule with 'log'), 2 usage error.\n";

static const struct cli_cmd log_cmd = { "fw log", NULL, cmd_fw_log_usage, NULL, NULL };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct log_src {
	char dev[256];
	int fd;
	struct moat_kringbuf *rb;
	struct log_reader *lr;
};

struct log_reader {
	const struct fw_opts *o;
	pcap_dumper_t *dump;
	int64_t mono_to_real; /* ns to add to CLOCK_MONOTONIC to get the wall clock */
	unsigned long seen;
	const char *dev; /* of the record being printed */
};

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* An address of the record as text (IPv4-mapped addresses dotted). */
static void addr_str(const uint8_t a[16], char *buf, size_t len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (!memcmp(a, mapped, 12))
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

static const char *proto_name(unsigned p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "icmp6";
	case 132: return "sctp";
	}
	snprintf(buf, len, "proto %u", p);
	return buf;
}

static void flags_str(uint8_t f, char *buf)
{
	static const char letters[] = "FSRPAUEW";
	size_t n = 0;
	for (int i = 0; i < 8; i++)
		if (f & (1u << i))
			buf[n++] = letters[i];
	buf[n] = 0;
}

static void print_record(struct log_reader *lr, const struct moat_fw_log_record *r)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pb[16], fl[12], when[32];
	addr_str(r->src, s, sizeof(s));
	addr_str(r->dst, d, sizeof(d));
	flags_str(r->proto == 6 ? r->tcp_flags : 0, fl);
	int64_t t = (int64_t)r->time_ns + lr->mono_to_real;
	time_t sec = (time_t)(t / 1000000000);
	struct tm tm;
	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	const char *pn = proto_name(r->proto, pb, sizeof(pb));
	const char *act = r->action ? "pass" : "block", *dir = r->dir == MOAT_FW_OUT ? "out" : "in";
	bool ports = r->proto == 6 || r->proto == 17;
	if (lr->o->json) {
		struct sbuf b = { 0 };
		struct json j = { .out = &b };
		char iso[48];
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(iso + strlen(iso), sizeof(iso) - strlen(iso), ".%06ld",
			 (long)(t % 1000000000 / 1000));
		json_obj(&j);
		json_kstr(&j, "time", iso);
		json_kuint(&j, "time_ns", (uint64_t)t);
		json_kstr(&j, "dev", lr->dev);
		json_kuint(&j, "ifindex", r->ifindex);
		json_kuint(&j, "rule", r->rule);
		json_kstr(&j, "action", act);
		json_kstr(&j, "dir", dir);
		json_kstr(&j, "proto", pn);
		json_kstr(&j, "src", s);
		json_kstr(&j, "dst", d);
		json_kuint(&j, "sport", r->sport);
		json_kuint(&j, "dport", r->dport);
		json_kstr(&j, "flags", fl);
		json_kuint(&j, "length", r->len);
		json_kuint(&j, "caplen", r->caplen);
		json_end(&j);
		printf("%s\n", sbuf_str(&b));
		sbuf_release(&b);
	} else if (ports && (r->sport || r->dport)) {
		printf("%s.%06ld rule %u: %s %s on %s: %s.%u > %s.%u: %s%s%s%s, length %u\n", when,
		       (long)(t % 1000000000 / 1000), r->rule, act, dir, lr->dev, s, r->sport, d,
		       r->dport, pn, *fl ? " [" : "", fl, *fl ? "]" : "", r->len);
	} else {
		printf("%s.%06ld rule %u: %s %s on %s: %s > %s: %s, length %u\n", when,
		       (long)(t % 1000000000 / 1000), r->rule, act, dir, lr->dev, s, d, pn, r->len);
	}
	fflush(stdout);
}

/* Stops the poll right after the last wanted record, so later ones stay
 * in the ring buffer for the next reader. */
#define STOP_READING (-ECANCELED)

static int on_record(void *arg, const void *data, size_t len)
{
	struct log_src *src = arg;
	struct log_reader *lr = src->lr;
	struct moat_fw_log_record r;
	if (len < offsetof(struct moat_fw_log_record, data))
		return 0;
	memset(&r, 0, sizeof(r));
	memcpy(&r, data, len < sizeof(r) ? len : sizeof(r));
	if (r.caplen > MOAT_FW_LOG_CAPLEN)
		r.caplen = MOAT_FW_LOG_CAPLEN;
	lr->dev = src->dev;
	if (lr->dump) {
		int64_t t = (int64_t)r.time_ns + lr->mono_to_real;
		struct pcap_pkthdr h = { .caplen = r.caplen, .len = r.len };
		h.ts.tv_sec = (time_t)(t / 1000000000);
		h.ts.tv_usec = (suseconds_t)(t % 1000000000 / 1000);
		pcap_dump((u_char *)lr->dump, &h, r.data);
		pcap_dump_flush(lr->dump);
	} else {
		print_record(lr, &r);
	}
	lr->seen++;
	return lr->o->count && lr->seen >= lr->o->count ? STOP_READING : 0;
}

/* Opens the log ring buffer of every loaded firewall (or dev's). */
static int open_sources(const char *dev, struct log_src *src, int max, struct log_reader *lr)
{
	DIR *d = opendir(FW_PIN_ROOT);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' || (dev && strcmp(dev, e->d_name)))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s/log", FW_PIN_ROOT, e->d_name);
		if (access(path, F_OK) < 0)
			continue;
		struct moat_error err;
		struct log_src *s = &src[n];
		snprintf(s->dev, sizeof(s->dev), "%s", e->d_name);
		s->lr = lr;
		s->fd = moat_pin_open(path, &err);
		s->rb = s->fd >= 0 ? moat_kringbuf_new(s->fd, on_record, s, &err) : NULL;
		if (!s->rb) {
			if (s->fd >= 0)
				close(s->fd);
			closedir(d);
			cli_fail_err("fw log", &err);
			return -1;
		}
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int follow(struct log_src *src, int n, struct log_reader *lr)
{
	int64_t end = lr->o->timeout > 0 ? now_ns(CLOCK_MONOTONIC) +
						   (int64_t)(lr->o->timeout * 1e9)
					 : INT64_MAX;
	int slice = 100 / n > 1 ? 100 / n : 1;
	for (int i = 0; i < n; i++) { /* what waited in the buffers first */
		struct moat_error err;
		int r = moat_kringbuf_poll(src[i].rb, 0, &err);
		if (r == STOP_READING)
			return EXIT_OK;
		if (r < 0 && r != -EINTR)
			return cli_fail_err("fw log", &err);
	}
	while (!stop) {
		for (int i = 0; i < n && !stop; i++) {
			struct moat_error err;
			int64_t left = (end - now_ns(CLOCK_MONOTONIC)) / 1000000;
			if (left <= 0)
				return EXIT_OK;
			int r = moat_kringbuf_poll(src[i].rb, left < slice ? (int)left : slice, &err);
			if (r == STOP_READING)
				return EXIT_OK;
			if (r < 0 && r != -EINTR)
				return cli_fail_err("fw log", &err);
		}
	}
	return EXIT_OK;
}

int cmd_fw_log(int argc, char **argv)
{
	if (cli_wants_help(&log_cmd, argc, argv))
		return EXIT_OK;
	struct fw_opts o;
	int rc = fw_cli_options(&log_cmd, FWO_DEV | FWO_JSON | FWO_COUNT | FWO_WRITE | FWO_TIMEOUT,
				argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	if (o.nargs)
		return cli_usage(&log_cmd, "unexpected argument '%s'", o.args[0]);
	if (o.json && o.write)
		return cli_usage(&log_cmd, "--json and -w exclude each other");
	struct log_reader lr = { .o = &o,
				 .mono_to_real = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC) };
	struct log_src src[64];
	int n = open_sources(o.dev, src, 64, &lr);
	if (n < 0)
		return EXIT_FAIL;
	if (n == 0)
		return cli_fail("fw log", "no loaded firewall%s%s has a rule with 'log'",
				o.dev ? " on " : "", o.dev ? o.dev : "");
	pcap_t *dead = NULL;
	if (o.write) {
		dead = pcap_open_dead(DLT_EN10MB, 65535);
		lr.dump = dead ? pcap_dump_open(dead, o.write) : NULL;
		if (!lr.dump)
			rc = cli_fail("fw log", "%s: %s", o.write, dead ? pcap_geterr(dead) : "out of memory");
	}
	if (rc == EXIT_OK) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		rc = follow(src, n, &lr);
	}
	if (lr.dump)
		pcap_dump_close(lr.dump);
	if (dead)
		pcap_close(dead);
	for (int i = 0; i < n; i++) {
		moat_kringbuf_free(src[i].rb);
		close(src[i].fd);
	}
	return rc;
}
