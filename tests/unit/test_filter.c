/*
 * The pcap-filter compiler: every expression below is compiled by moat and
 * by libpcap (pcap_compile on a dead handle, optimized) and both programs
 * run over a set of hand-built frames (Ethernet, 802.1Q, MPLS, IPv4 with
 * options and fragments, IPv6 with a fragment header, ARP, SLL/SLL2, raw
 * IP) plus truncated and byte-flipped copies of them; the accept/reject
 * decisions must be identical.  The eBPF program must agree with the
 * classic one in the JIT and the interpreter.  Errors carry libpcap's
 * wording and the column of the offending token.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>
#include <moat/filter.h>
#include "compile/ir/ir.h" /* IR_CHAIN_DEPTH6 */
#include "tap.h"

struct frame {
	uint8_t b[160];
	uint32_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* IPv4 header at p: ihl words, protocol, addresses, fragment field. */
static uint32_t ip4(uint8_t *p, unsigned ihl, uint8_t proto, uint32_t src, uint32_t dst,
		    uint16_t frag, uint16_t sport, uint16_t dport)
{
	p[0] = (uint8_t)(0x40 | ihl);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	uint8_t *l4 = p + 4 * ihl;
	put16(l4, sport);
	put16(l4 + 2, dport);
	l4[13] = 0x12; /* tcp flags: SYN|ACK */
	return 4 * ihl + 20;
}

static uint32_t ip6(uint8_t *p, uint8_t nxt, uint8_t last, uint8_t lastbyte, uint16_t sport,
		    uint16_t dport)
{
	p[0] = 0x60;
	p[6] = nxt;
	p[7] = 64;
	p[8] = 0xfe, p[9] = 0x80, p[23] = lastbyte; /* src fe80::..xx */
	p[24] = 0xff, p[25] = 0x02, p[39] = 1;      /* dst ff02::1 */
	uint8_t *l4 = p + 40;
	if (nxt == 44) { /* fragment header, then the real protocol */
		l4[0] = last;
		l4 += 8;
	}
	put16(l4, sport);
	put16(l4 + 2, dport);
	return 40 + 8 + 20;
}

static size_t nframes;
static struct frame frames[64];

static uint8_t *eth(uint16_t type, const uint8_t *dst)
{
	struct frame *f = &frames[nframes++];
	memset(f, 0, sizeof(*f));
	memcpy(f->b, dst, 6);
	f->b[6] = 0x00, f->b[7] = 0x11, f->b[11] = 0x22;
	put16(f->b + 12, type);
	return f->b;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ucast[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static void build_ethernet(void)
{
	uint8_t *p;
	nframes = 0;
	p = eth(0x0800, ucast);
	frames[nframes - 1].len = 14 + ip4(p + 14, 5, 6, 0x0a000001, 0xc0a80102, 0, 1234, 80);
	p = eth(0x0800, ucast);
	frames[nframes - 1].len = 14 + ip4(p + 14, 7, 17, 0xc0a80102, 0x0a000001, 0x4000, 53, 5353);
	p = eth(0x0800, mcast);
	frames[nframes - 1].len = 14 + ip4(p + 14, 5, 17, 0x0a000002, 0xe0000001, 0, 67, 68);
	p = eth(0x0800, ucast); /* a non-first fragment: no ports */
	frames[nframes - 1].len = 14 + ip4(p + 14, 5, 6, 0x0a000001, 0xc0a80102, 0x0010, 80, 80);
	p = eth(0x0800, ucast);
	frames[nframes - 1].len = 14 + ip4(p + 14, 5, 1, 0x0a000001, 0x0a0000ff, 0, 0x0800, 0);
	p = eth(0x0800, bcast);
	frames[nframes - 1].len = 14 + ip4(p + 14, 5, 132, 0x0a000001, 0xffffffff, 0, 22, 2222);
	p = eth(0x86dd, ucast);
	frames[nframes - 1].len = 14 + ip6(p + 14, 6, 0, 1, 443, 40000);
	p = eth(0x86dd, mcast);
	frames[nframes - 1].len = 14 + ip6(p + 14, 44, 17, 2, 546, 547);
	p = eth(0x86dd, ucast);
	frames[nframes - 1].len = 14 + ip6(p + 14, 58, 0, 3, 0x8000, 0);
	p = eth(0x0806, bcast);
	put32(p + 14 + 14, 0x0a000001), put32(p + 14 + 24, 0x0a000002);
	frames[nframes - 1].len = 42;
	p = eth(0x8100, ucast); /* 802.1Q vlan 10 carrying IPv4/TCP */
	put16(p + 14, 10), put16(p + 16, 0x0800);
	frames[nframes - 1].len = 18 + ip4(p + 18, 5, 6, 0x0a000001, 0x0a000009, 0, 22, 80);
	p = eth(0x88a8, ucast); /* QinQ 100 / 20 */
	put16(p + 14, 100), put16(p + 16, 0x8100), put16(p + 18, 20), put16(p + 20, 0x86dd);
	frames[nframes - 1].len = 22 + ip6(p + 22, 17, 0, 9, 53, 53);
	p = eth(0x8847, ucast); /* MPLS label 16, bottom of stack, IPv4 */
	put32(p + 14, 16u << 12 | 0x100 | 64);
	frames[nframes - 1].len = 18 + ip4(p + 18, 5, 17, 0x0a000001, 0x0a000002, 0, 53, 53);
	p = eth(0x8864, ucast); /* PPPoE session 0x3b carrying PPP/IPv4 */
	p[14] = 0x11, put16(p + 16, 0x3b), put16(p + 20, 0x0021);
	frames[nframes - 1].len = 22 + ip4(p + 22, 5, 17, 0x0a000001, 0x0a000002, 0, 53, 53);
	p = eth(0x8863, bcast); /* PPPoE discovery */
	p[14] = 0x11, p[15] = 0x09;
	frames[nframes - 1].len = 60;
	p = eth(0x6003, ucast); /* DECnet short header 1.1 -> 2.5, and a padded long one */
	p[16] = 0x02, p[17] = 0x05, p[18] = 0x08, p[19] = 0x01, p[20] = 0x04;
	frames[nframes - 1].len = 60;
	p = eth(0x6003, ucast);
	p[16] = 0x81, p[17] = 0x06, p[24] = 0x05, p[25] = 0x08, p[32] = 0x01, p[33] = 0x04;
	frames[nframes - 1].len = 60;
	p = eth(0x0026, ucast); /* 802.3 with an STP LLC header */
	p[14] = 0x42, p[15] = 0x42, p[16] = 0x03;
	frames[nframes - 1].len = 60;
	p = eth(0x0800, ucast);
	frames[nframes - 1].len = 20; /* truncated in the IP header */
}

/* Truncated copies (caplen cut) and copies with a flipped byte. */
static size_t variants(const struct frame *f, struct frame *out)
{
	size_t n = 0;
	static const uint32_t cuts[] = { 13, 14, 24, 34, 40, 54 };
	out[n++] = *f;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		if (cuts[i] < f->len) {
			out[n] = *f;
			out[n++].len = cuts[i];
		}
	for (uint32_t i = 0; i < f->len && i < 60; i += 7) {
		out[n] = *f;
		out[n++].b[i] ^= 0x5a;
	}
	return n;
}

static const char *const ether_exprs[] = {
	"", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp", "pim",
	"host 10.0.0.1", "src host 10.0.0.1", "dst host 10.0.0.1 or dst host 192.168.1.2",
	"host 10.0.0.1 and not 10.0.0.2", "net 10.0.0.0/8", "src net 192.168.0.0 mask 255.255.0.0",
	"net 10", "dst net 192.168.1", "port 80", "tcp port 80", "udp port 53 or 5353",
	"src port 1234", "dst port 80 and tcp", "portrange 50-80", "tcp dst portrange 1-1023",
	"udp portrange 67-68", "port 22 or port 443", "ip6 and tcp port 443",
	"ether host 00:16:3e:00:00:01", "ether src 00:11:00:00:00:22", "ether broadcast",
	"ether multicast", "broadcast", "multicast", "ip multicast", "ip6 multicast",
	"ether proto 0x0800", "ether proto \\arp", "ip proto 17", "ip proto \\tcp",
	"ip6 proto 17", "proto 6", "less 60", "greater 80", "len >= 70", "len - 14 > 40",
	"ip[6:2] & 0x1fff = 0", "ip[0] & 0xf != 5", "tcp[tcpflags] & tcp-syn != 0",
	"tcp[13] = 0x12", "icmp[icmptype] = icmp-echo", "icmp[0] == 8 or icmp[0] == 0",
	"udp[0:2] = 53", "ether[12:2] = 0x8100", "ip[2:2] > 40", "ip[9] + 1 = 7",
	"ip[12:4] & 0xff000000 = 0x0a000000", "ip[1] * 2 + 3 < 100", "ip[8] / 4 = 16",
	"ip[8] % 10 = 4", "ip[8] << 2 = 256", "ip[8] >> 1 = 32", "ip[8] ^ 0xff = 191",
	"ip[8] | 1 = 65", "-ip[8] = 0xffffffc0", "tcp[0:2] = tcp[2:2] - 78",
	"ip[0] & 0xf > 5", "vlan", "vlan 10", "vlan and ip", "vlan 10 and tcp port 80",
	"vlan 100 and vlan 20 and ip6", "mpls", "mpls 16", "mpls and ip", "mpls 16 and udp port 53",
	"stp", "not ip", "not (tcp or udp)", "ip and (tcp or udp) and not port 53",
	"(ip or ip6) and not icmp and not icmp6", "ip broadcast", "host 10.0.0.1 or arp",
	"tcp or udp or icmp or icmp6 or arp", "ip and ip and ip", "ip6 or ip6",
	"not not tcp", "ip host 10.0.0.1 and tcp", "arp host 10.0.0.2", "udp and ip6[6] == 44",
	"ip6 host fe80::1", "ip6 net fe80::/16", "ip6 dst host ff02::1", "host ff02::1",
	"tcp src port 1234 and tcp dst port 80", "src or dst port 53", "src and dst net 10.0.0.0/8",
	"ether dst ff:ff:ff:ff:ff:ff", "ip[100] = 1", "ether[len - 1] = 0",
	"llc", "llc i", "llc s", "llc u", "llc ui", "llc xid", "not llc",
	"iso", "clnp", "esis", "isis", "l1", "csnp", "iso proto 0x81", "isis proto 0x18",
	"decnet", "decnet src 1.1", "decnet dst 2.5", "decnet host 2.5 and not decnet src 3.3",
	"pppoed", "pppoes", "pppoes 0x3b", "pppoes 0x3c", "pppoes and udp port 53",
	"pppoes 0x3b and host 10.0.0.2", "mpls 16 and ip and udp", "mpls and ip6",
	/* Linux ancillary loads (packet type, interface index): past every
	 * captured packet, so both reject offline */
	"inbound", "outbound", "not inbound", "ifindex 3", "tcp or ifindex 3",
	/* port tests shared by IPv4 and IPv6 through X (rebased tails) */
	"tcp dst port 80 or udp src port 53", "portrange 1-1023 and not port 22",
	"port 80 and ip6", "(port 80 or port 443) and tcp[13] & 2 != 0",
	/* the header walk, unrolled: through the IPv6 fragment header */
	"ip6 protochain 17", "ip6 protochain 6", "ip6 protochain 44", "ip protochain 17",
	"protochain \\udp", "not protochain 6", "protochain 6 and port 80",
};

/* Runs one expression through libpcap and moat on every frame variant. */
static int compare(const char *expr, int dlt, struct frame *fs, size_t nf, struct moat_vm *vm)
{
	struct moat_error e;
	char msg[1200];
	MOAT_OPTS(moat_filter_opts, o, .linktype = dlt, .netmask = 0xffffff00u, .optimize = true);
	struct moat_filter *f = moat_filter_compile(expr, &o, &e);
	pcap_t *dead = pcap_open_dead(dlt, 262144);
	struct bpf_program bp;
	int lr = pcap_compile(dead, &bp, expr, 1, 0xffffff00u);
	if (!f || lr < 0) {
		ok(!f && lr < 0, "[%s] dlt %d: both refuse (moat: %s; libpcap: %s)", expr, dlt,
		   f ? "compiled" : moat_error_str(&e, msg, sizeof(msg)), pcap_geterr(dead));
		moat_filter_free(f);
		if (lr == 0)
			pcap_freecode(&bp);
		pcap_close(dead);
		return 0;
	}
	struct moat_prog *prog = moat_filter_ebpf(f, &e);
	MOAT_OPTS(moat_exec_opts, xo, .mode = MOAT_EXEC_JIT, .mem_len = moat_filter_mem_len(f));
	struct moat_exec *ex = prog ? moat_exec_new(vm, prog, &xo, &e) : NULL;
	uint64_t need = moat_filter_mem_len(f);
	struct moat_filter_pkt *buf = calloc(1, need);
	int bad = 0, jitbad = 0, runs = 0;
	for (size_t i = 0; i < nf && buf && ex; i++) {
		static struct frame var[64];
		size_t nv = variants(&fs[i], var);
		for (size_t j = 0; j < nv; j++, runs++) {
			uint32_t wire = fs[i].len;
			unsigned lib = bpf_filter(bp.bf_insns, var[j].b, wire, var[j].len);
			uint32_t got = moat_filter_run(f, var[j].b, var[j].len, wire);
			if (got != lib && bad++ == 0)
				diag("[%s] frame %zu variant %zu: libpcap %u moat %u", expr, i, j, lib, got);
			buf->caplen = var[j].len;
			buf->wirelen = wire;
			memcpy(buf->data, var[j].b, var[j].len);
			uint64_t r0 = 0;
			if (moat_exec_run(ex, buf, need, &r0, &e) < 0 || r0 != got)
				jitbad++;
		}
	}
	ok(ex && bad == 0 && jitbad == 0, "[%s] dlt %d: %d runs agree with libpcap and the JIT (%d/%d differ)",
	   expr, dlt, runs, bad, jitbad);
	if (!ex)
		diag("eBPF: %s", moat_error_str(&e, msg, sizeof(msg)));
	free(buf);
	moat_exec_free(ex);
	moat_prog_free(prog);
	moat_filter_free(f);
	pcap_freecode(&bp);
	pcap_close(dead);
	return bad;
}

static void test_ethernet(struct moat_vm *vm)
{
	build_ethernet();
	for (size_t i = 0; i < sizeof(ether_exprs) / sizeof(ether_exprs[0]); i++)
		compare(ether_exprs[i], MOAT_DLT_EN10MB, frames, nframes, vm);
}

/* Re-frames the Ethernet set for another link type: payload after `hdr`. */
static size_t reframe(int dlt, struct frame *out)
{
	size_t n = 0;
	for (size_t i = 0; i < nframes; i++) {
		struct frame *f = &frames[i], *o = &out[n];
		uint16_t type = (uint16_t)(f->b[12] << 8 | f->b[13]);
		if (f->len < 14 || type <= 1500)
			continue;
		memset(o, 0, sizeof(*o));
		uint32_t hdr = dlt == MOAT_DLT_LINUX_SLL ? 16 : dlt == MOAT_DLT_LINUX_SLL2 ? 20 : 0;
		if (dlt == MOAT_DLT_RAW && type != 0x0800 && type != 0x86dd)
			continue;
		if (dlt == MOAT_DLT_LINUX_SLL) {
			put16(o->b, i % 3 == 0 ? 4 : 0); /* outgoing every third */
			put16(o->b + 14, type);
		} else if (dlt == MOAT_DLT_LINUX_SLL2) {
			put16(o->b, type);
			put32(o->b + 4, (uint32_t)i);
			o->b[10] = i % 3 == 0 ? 4 : 0;
		}
		memcpy(o->b + hdr, f->b + 14, f->len - 14);
		o->len = hdr + f->len - 14;
		n++;
	}
	return n;
}

static const char *const other_exprs[] = {
	"ip", "ip6", "arp", "tcp", "udp port 53", "port 80", "host 10.0.0.1", "net 10.0.0.0/8",
	"tcp[13] = 0x12", "ip[9] = 17", "icmp6", "ip6 proto 17", "less 50", "greater 60",
	"portrange 1-100", "ip multicast", "not ip6",
	"link[0] = 0", "ether host 00:11:22:33:44:55", "vlan", "mpls",
	"pppoed", "pppoes", "pppoes 0x3b and ip", "pppoes and mpls 16", "ifindex 7",
};

static void test_other_links(struct moat_vm *vm)
{
	static const int dlts[] = { MOAT_DLT_LINUX_SLL, MOAT_DLT_LINUX_SLL2, MOAT_DLT_RAW };
	static struct frame fs[64];
	build_ethernet();
	for (size_t d = 0; d < sizeof(dlts) / sizeof(dlts[0]); d++) {
		size_t n = reframe(dlts[d], fs);
		for (size_t i = 0; i < sizeof(other_exprs) / sizeof(other_exprs[0]); i++)
			compare(other_exprs[i], dlts[d], fs, n, vm);
		if (dlts[d] != MOAT_DLT_RAW) { /* the cooked header's packet type */
			compare("inbound", dlts[d], fs, n, vm);
			compare("outbound", dlts[d], fs, n, vm);
		}
	}
}

struct errcase {
	const char *expr;
	int col;
	const char *msg;
};

static const struct errcase errs[] = {
	{ "tcp port", 9, "syntax error" },
	{ "host", 5, "syntax error" },
	{ "ip and or tcp", 8, "syntax error" },
	{ "port 99999", 6, "illegal port number 99999 > 65535" },
	{ "ip port 80", 9, "illegal qualifier of 'port'" },
	{ "tcp host 10.0.0.1", 10, "'tcp' modifier applied to host" },
	{ "net 10.0.0.1/8", 5, "non-network bits set in \"10.0.0.1/8\"" },
	{ "net 10.0.0.0/33", 5, "mask length must be <= 32" },
	{ "vlan 4096", 1, "VLAN tag 4096 greater than maximum 4095" },
	{ "mpls 1048576", 1, "MPLS label 1048576 greater than maximum 1048575" },
	{ "ip[0:3] = 1", 6, "data size must be 1, 2, or 4" },
	{ "ip[0] / 0 = 1", 7, "division by zero" },
	{ "ip broadcast", 1, "netmask not known, so 'ip broadcast' not supported" },
	{ "ether host nosuchhost.invalid", 12, "unknown ether host 'nosuchhost.invalid'" },
	{ "ip6 and tcp port nosuchservice", 18, "unknown port 'nosuchservice'" },
	{ "ip and (tcp", 12, "syntax error" },
	{ "ip $ tcp", 4, "syntax error: unexpected character '$'" },
	{ "4294967296", 1, "number 4294967296 overflows 32 bits" },
	{ "src proto 1", 5, "syntax error" },
	{ "arp", 0, NULL }, /* fine on Ethernet; rejected on raw IP below */
};

static void test_errors(void)
{
	struct moat_error e;
	MOAT_OPTS(moat_filter_opts, o, .linktype = MOAT_DLT_EN10MB,
		  .netmask = MOAT_FILTER_NETMASK_UNKNOWN, .optimize = true);
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct moat_filter *f = moat_filter_compile(errs[i].expr, &o, &e);
		if (!errs[i].msg) {
			ok(f != NULL, "[%s] compiles", errs[i].expr);
		} else {
			ok(!f && e.errnum == EINVAL, "[%s] is refused", errs[i].expr);
			is_str(e.msg, errs[i].msg, "[%s] message", errs[i].expr);
			is_int(e.col, errs[i].col, "[%s] column", errs[i].expr);
		}
		moat_filter_free(f);
	}
	o.linktype = MOAT_DLT_RAW;
	struct moat_filter *f = moat_filter_compile("ifindex 3", &o, &e);
	size_t n = 0;
	const struct moat_cbpf_insn *in = f ? moat_filter_cbpf(f, &n) : NULL;
	ok(in && n == 4 && in[0].code == 0x20 && in[0].k == 0xfffff008,
	   "ifindex off SLL2 loads the kernel's SKF_AD_IFINDEX, as libpcap does");
	moat_filter_free(f);
	f = moat_filter_compile("outbound", &o, &e);
	in = f ? moat_filter_cbpf(f, &n) : NULL;
	ok(in && n == 4 && in[0].code == 0x28 && in[0].k == 0xfffff004,
	   "outbound off cooked captures loads SKF_AD_PKTTYPE");
	moat_filter_free(f);
	o.linktype = MOAT_DLT_EN10MB;
	o.netmask = 0;
	f = moat_filter_compile("ip broadcast", &o, &e);
	ok(!f && e.errnum == EINVAL && strstr(e.msg, "netmask not known"),
	   "netmask 0 (unset) is unknown: 'ip broadcast' refused");
	o.linktype = MOAT_DLT_RAW;
	o.netmask = MOAT_FILTER_NETMASK_UNKNOWN;
	f = moat_filter_compile("arp", &o, &e);
	ok(!f && strstr(e.msg, "rejects all packets"), "'arp' on raw IP rejects all packets");
	o.optimize = false;
	f = moat_filter_compile("arp", &o, &e);
	ok(f && moat_filter_cbpf(f, &n) && n == 1, "unoptimized 'arp' on raw IP is one ret #0");
	moat_filter_free(f);
	o.linktype = 4242;
	ok(!moat_filter_compile("ip", &o, &e) && e.errnum == ENOTSUP, "unknown link type refused");
	o.linktype = MOAT_DLT_EN10MB;
	ok(!moat_filter_compile("tcp protochain 6", &o, &e) &&
	   !strcmp(e.msg, "bad protocol applied for 'protochain'"), "tcp protochain refused");
	ok(!moat_filter_compile("protochain 256", &o, &e) &&
	   !strcmp(e.msg, "protocol number 256 greater than maximum 255"), "protochain 256 refused");
	ok(!moat_filter_compile("ip6 protochain 6 or ip6 protochain 17", &o, &e) &&
	   e.errnum == ENOTSUP && e.col > 20, "a second protochain is refused (not implemented)");
	o.linktype = MOAT_DLT_IPV6;
	f = moat_filter_compile("ip protochain 6", &o, &e);
	ok(f != NULL, "protochain never 'rejects all packets' (libpcap does not optimize it)");
	moat_filter_free(f);
}

/*
 * The protochain walk's documented depth: IR_CHAIN_DEPTH6 (100) extension
 * headers after IPv6 are followed, as libpcap's loop does; a 101st stops
 * the walk there, where libpcap goes on.
 */
static void test_protochain_depth(void)
{
	static uint8_t pkt[40 + 8 * (IR_CHAIN_DEPTH6 + 2) + 8];
	struct moat_error e;
	MOAT_OPTS(moat_filter_opts, o, .linktype = MOAT_DLT_RAW, .optimize = true);
	struct moat_filter *f = moat_filter_compile("ip6 protochain 17", &o, &e);
	pcap_t *dead = pcap_open_dead(MOAT_DLT_RAW, 262144);
	struct bpf_program bp;
	int lr = pcap_compile(dead, &bp, "ip6 protochain 17", 1, PCAP_NETMASK_UNKNOWN);
	ok(f && lr == 0, "ip6 protochain 17 compiles for raw IPv6");
	size_t n = 0;
	ok(f && moat_filter_cbpf(f, &n) && n < MOAT_CBPF_MAXINSNS, "unrolled walk: %zu instructions", n);
	for (unsigned hdrs = 99; f && lr == 0 && hdrs <= IR_CHAIN_DEPTH6 + 1; hdrs++) {
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x60;
		pkt[6] = 60; /* destination options, then more of them */
		for (unsigned i = 0; i < hdrs; i++)
			pkt[40 + 8 * i] = i + 1 < hdrs ? 60 : 17;
		uint32_t len = 40 + 8 * hdrs + 8;
		unsigned lib = bpf_filter(bp.bf_insns, pkt, len, len);
		uint32_t got = moat_filter_run(f, pkt, len, len);
		if (hdrs <= IR_CHAIN_DEPTH6)
			ok(got == lib && got != 0, "%u extension headers: moat and libpcap match", hdrs);
		else
			ok(got == 0 && lib != 0, "%u extension headers: past moat's depth, libpcap still walks", hdrs);
	}
	moat_filter_free(f);
	if (lr == 0)
		pcap_freecode(&bp);
	pcap_close(dead);
}

static void test_api(void)
{
	struct moat_error e;
	struct moat_filter *f = moat_filter_compile(NULL, NULL, &e);
	size_t n = 0;
	const struct moat_cbpf_insn *in = f ? moat_filter_cbpf(f, &n) : NULL;
	ok(in && n == 1 && in[0].code == 0x06 && in[0].k == 262144, "empty filter: ret #262144");
	moat_filter_free(f);
	f = moat_filter_compile("ip", NULL, &e);
	char *l = f ? moat_filter_listing(f) : NULL;
	is_str(l, "(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n"
		  "(002) ret      #262144\n(003) ret      #0\n", "listing of 'ip' is tcpdump's");
	free(l);
	ok(f && moat_filter_mem_len(f) == 8 + 262144, "mem_len is header + snaplen");
	moat_filter_free(f);
	int lt = -1;
	ok(moat_filter_linktype_parse("DLT_LINUX_SLL2", &lt, &e) == 0 && lt == 276, "SLL2 by name");
	ok(moat_filter_linktype_parse("FDDI", &lt, &e) == -EINVAL, "FDDI is not supported");
	/* the optimizer removes the repeated test; libpcap's optimized listing has 4 too */
	f = moat_filter_compile("ip and ip and ip", NULL, &e);
	ok(f && moat_filter_cbpf(f, &n) && n == 4, "'ip and ip and ip' is 4 instructions");
	moat_filter_free(f);
	MOAT_OPTS(moat_filter_opts, o, .linktype = MOAT_DLT_EN10MB, .snaplen = 96, .optimize = true);
	f = moat_filter_compile("tcp", &o, &e);
	in = f ? moat_filter_cbpf(f, &n) : NULL;
	ok(in && in[n - 2].k == 96, "snaplen is the accept value");
	moat_filter_free(f);
}

int main(void)
{
	struct moat_error e;
	struct moat_vm *vm = moat_vm_new(NULL, &e);
	test_ethernet(vm);
	test_other_links(vm);
	test_errors();
	test_protochain_depth();
	test_api();
	moat_vm_free(vm);
	return tap_done();
}
