/*
 * moat filter's packet lines.  A small decoder, not a protocol analyser:
 * link header (Ethernet with VLAN tags, Linux cooked v1/v2, BSD loopback,
 * raw IP), then IPv4 or IPv6 (skipping IPv6 extension headers), then the
 * ports of TCP, UDP, SCTP and UDP-Lite or the type of ICMP.  fp_decode()
 * fills a struct fp_info; the text line and the JSON object are two
 * renderings of it.  Every read goes through the bounds-checked reader in
 * util/reader.h: captures are untrusted input (the corpus holds many
 * fuzzer-made ones).
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/filter_print.h"
#include "util/reader.h"

static uint16_t be16(const struct rd *b, size_t off)
{
	const uint8_t *p = rd_array(b, off, 2, uint8_t);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static uint8_t u8at(const struct rd *b, size_t off)
{
	const uint8_t *p = rd_at(b, off, uint8_t);
	return p ? *p : 0;
}

static void mac_str(char *out, const uint8_t *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The rest of b from off (empty when off is past the end). */
static struct rd rest(const struct rd *b, size_t off)
{
	struct rd r = { 0 };
	if (off <= b->len)
		rd_sub(b, off, b->len - off, &r);
	return r;
}

static const char *ip_proto_name(uint8_t p, bool v6)
{
	switch (p) {
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPIP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 41: return "IPv6-in-IP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 58: return "ICMP6";
	case 89: return "OSPF";
	case 103: return "PIM";
	case 112: return "VRRP";
	case 132: return "SCTP";
	case 136: return "UDPLite";
	default: return v6 ? "IP6" : "IP";
	}
}

/* Transport: the protocol, and ports or ICMP type when the header is there.
 * `first` is false for later fragments, which carry no transport header. */
static void decode_transport(struct fp_info *in, uint8_t proto, const struct rd *t, bool first)
{
	in->proto = ip_proto_name(proto, in->ipv6);
	in->proto_num = proto;
	in->frag = !first;
	if (!first)
		return;
	bool ported = proto == 6 || proto == 17 || proto == 132 || proto == 136;
	if (ported && t->len >= 4) {
		in->sport = be16(t, 0);
		in->dport = be16(t, 2);
	} else if ((proto == 1 || proto == 58) && t->len >= 2) {
		in->icmp_type = u8at(t, 0);
		in->icmp_code = u8at(t, 1);
	} else if (ported || proto == 1 || proto == 58) {
		in->truncated = true;
	}
}

static void decode_ipv4(struct fp_info *in, const struct rd *b)
{
	size_t hl = (size_t)(u8at(b, 0) & 0xf) * 4;
	in->proto = "IP";
	if (b->len < 20 || hl < 20) {
		in->truncated = true;
		return;
	}
	inet_ntop(AF_INET, b->p + 12, in->src, sizeof(in->src));
	inet_ntop(AF_INET, b->p + 16, in->dst, sizeof(in->dst));
	struct rd t = rest(b, hl);
	decode_transport(in, u8at(b, 9), &t, (be16(b, 6) & 0x1fff) == 0);
}

/* Hop-by-hop, routing, fragment and destination options headers. */
static bool ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60;
}

static void decode_ipv6(struct fp_info *in, const struct rd *b)
{
	in->proto = "IP6";
	in->ipv6 = true;
	if (b->len < 40) {
		in->truncated = true;
		return;
	}
	inet_ntop(AF_INET6, b->p + 8, in->src, sizeof(in->src));
	inet_ntop(AF_INET6, b->p + 24, in->dst, sizeof(in->dst));
	uint8_t nh = u8at(b, 6);
	size_t off = 40;
	bool first = true;
	for (int i = 0; i < 8 && ipv6_ext(nh); i++) {
		if (off + 8 > b->len)
			break;
		if (nh == 44)
			first = (be16(b, off + 2) & 0xfff8) == 0;
		size_t hl = nh == 44 ? 8 : ((size_t)u8at(b, off + 1) + 1) * 8;
		nh = u8at(b, off);
		off += hl;
	}
	struct rd t = rest(b, off);
	decode_transport(in, nh, &t, first);
}

static void decode_arp(struct fp_info *in, const struct rd *b, uint16_t type)
{
	in->proto = type == 0x8035 ? "RARP" : "ARP";
	in->proto_num = type;
	/* Ethernet/IPv4 ARP only: hardware length 6, protocol length 4 */
	if (b->len < 28 || u8at(b, 4) != 6 || u8at(b, 5) != 4) {
		in->truncated = b->len < 8;
		return;
	}
	in->arp_op = be16(b, 6);
	inet_ntop(AF_INET, b->p + 14, in->src, sizeof(in->src));
	inet_ntop(AF_INET, b->p + 24, in->dst, sizeof(in->dst));
	if (in->arp_op == 2 || in->arp_op == 4)
		mac_str(in->arp_mac, b->p + 8);
}

/* Network layer by ethertype; false when the type is not decoded. */
static bool decode_ethertype(struct fp_info *in, uint16_t type, const struct rd *b)
{
	switch (type) {
	case 0x0800: decode_ipv4(in, b); return true;
	case 0x86dd: decode_ipv6(in, b); return true;
	case 0x0806:
	case 0x8035: decode_arp(in, b, type); return true;
	default: return false;
	}
}

static void decode_ether(struct fp_info *in, const struct rd *b)
{
	in->proto = "ether";
	if (b->len < 14) {
		in->truncated = true;
		return;
	}
	size_t off = 12;
	uint16_t type = be16(b, off);
	/* 802.1Q / 802.1ad / old QinQ tags */
	while (in->nvlan < 4 && (type == 0x8100 || type == 0x88a8 || type == 0x9100)) {
		if (off + 6 > b->len)
			break;
		in->vlan[in->nvlan++] = be16(b, off + 2) & 0xfff;
		off += 4;
		type = be16(b, off);
	}
	struct rd n = rest(b, off + 2);
	if (decode_ethertype(in, type, &n))
		return;
	in->proto = type <= 1500 ? "802.3" : "ether";
	in->proto_num = type;
	mac_str(in->src, b->p + 6);
	mac_str(in->dst, b->p);
}

/* Linux cooked captures: v1 has the protocol at 14, v2 at 0. */
static void decode_sll(struct fp_info *in, const struct rd *b, bool v2)
{
	size_t hl = v2 ? 20 : 16;
	in->proto = "sll";
	if (b->len < hl) {
		in->truncated = true;
		return;
	}
	uint16_t type = be16(b, v2 ? 0 : 14);
	struct rd n = rest(b, hl);
	if (!decode_ethertype(in, type, &n))
		in->proto_num = type;
}

/* BSD loopback: a 4-byte address family in host (NULL) or network (LOOP) order. */
static void decode_null(struct fp_info *in, const struct rd *b, bool loop)
{
	uint32_t af;
	in->proto = "loopback";
	if (!rd_copy(b, 0, &af)) {
		in->truncated = true;
		return;
	}
	if (loop)
		af = ntohl(af);
	else if (af > 0xffff)
		af = __builtin_bswap32(af); /* written on a host of the other byte order */
	struct rd n = rest(b, 4);
	if (af == AF_INET)
		decode_ipv4(in, &n);
	else if (af == 10 || af == 24 || af == 28 || af == 30) /* AF_INET6 on Linux and BSDs */
		decode_ipv6(in, &n);
	else
		in->proto_num = af;
}

void fp_decode(const struct fp_packet *p, struct fp_info *in)
{
	*in = (struct fp_info){ .proto_num = -1, .sport = -1, .dport = -1, .icmp_type = -1,
				.icmp_code = -1, .arp_op = -1 };
	struct rd b = { p->data, p->caplen };
	switch (p->dlt) {
	case DLT_EN10MB: decode_ether(in, &b); break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6: {
		uint8_t v = u8at(&b, 0) >> 4;
		if (v == 4)
			decode_ipv4(in, &b);
		else if (v == 6)
			decode_ipv6(in, &b);
		else
			in->proto = "raw", in->proto_num = v, in->truncated = !b.len;
		break;
	}
	case DLT_LINUX_SLL: decode_sll(in, &b, false); break;
	case DLT_LINUX_SLL2: decode_sll(in, &b, true); break;
	case DLT_NULL: decode_null(in, &b, false); break;
	case DLT_LOOP: decode_null(in, &b, true); break;
	default:
		in->proto = pcap_datalink_val_to_name(p->dlt);
		if (!in->proto)
			in->proto = "linktype", in->proto_num = p->dlt;
		break;
	}
}

/* ------------------------------------------------------------------ text */

/* A line being built: snprintf appends that never overflow buf. */
struct line {
	char *buf;
	size_t cap, len; /* len counts what would have been written */
};

static void __attribute__((format(printf, 2, 3))) put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = l->len < l->cap ? l->cap - l->len : 0;
	int n = vsnprintf(room ? l->buf + l->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

static void put_end(struct line *l, const struct fp_info *in, const char *addr, int port)
{
	if (port < 0)
		put(l, "%s", addr);
	else if (in->ipv6)
		put(l, "[%s]:%d", addr, port);
	else
		put(l, "%s:%d", addr, port);
}

static const char *arp_op_name(int op)
{
	switch (op) {
	case 1: return "who-has";
	case 2: return "reply";
	case 3: return "rev-request";
	case 4: return "rev-reply";
	default: return "op";
	}
}

/* The protocol word(s): "TCP", "IP proto 99", "ether 0x88cc", "sll proto 0x0004". */
static void put_proto(struct line *l, const struct fp_info *in)
{
	put(l, "%s", in->proto);
	if (in->proto_num < 0)
		return;
	if (!strcmp(in->proto, "IP") || !strcmp(in->proto, "IP6"))
		put(l, " proto %ld", in->proto_num);
	else if (!strcmp(in->proto, "ether") || !strcmp(in->proto, "sll"))
		put(l, "%s0x%04lx", *in->proto == 's' ? " proto " : " ", in->proto_num);
	else if (!strcmp(in->proto, "802.3"))
		put(l, " llc");
	else if (!strcmp(in->proto, "loopback"))
		put(l, " af %ld", in->proto_num);
	else if (!strcmp(in->proto, "raw"))
		put(l, " version %ld", in->proto_num);
	else if (!strcmp(in->proto, "linktype"))
		put(l, " %ld", in->proto_num);
}

static void put_body(struct line *l, const struct fp_info *in)
{
	for (int i = 0; i < in->nvlan; i++)
		put(l, "vlan %u ", in->vlan[i]);
	put_proto(l, in);
	if (in->arp_op == 1 || in->arp_op == 3)
		put(l, " %s %s tell %s", arp_op_name(in->arp_op), in->dst, in->src);
	else if (in->arp_op == 2 || in->arp_op == 4)
		put(l, " %s %s is-at %s", arp_op_name(in->arp_op), in->src, in->arp_mac);
	else if (in->arp_op >= 0)
		put(l, " op %d %s > %s", in->arp_op, in->src, in->dst);
	else if (in->src[0]) {
		put(l, " ");
		put_end(l, in, in->src, in->sport);
		put(l, " > ");
		put_end(l, in, in->dst, in->dport);
	}
	if (in->frag)
		put(l, " frag");
	if (in->icmp_type >= 0)
		put(l, " type %d code %d", in->icmp_type, in->icmp_code);
	if (in->truncated)
		put(l, " [truncated]");
}

static void put_time(struct line *l, const struct timeval *tv)
{
	time_t sec = tv->tv_sec;
	struct tm tm;
	if (gmtime_r(&sec, &tm))
		put(l, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		put(l, "%lld", (long long)sec);
	put(l, ".%06ld", (long)tv->tv_usec);
}

size_t fp_format(char *buf, size_t len, const struct fp_packet *p)
{
	struct line l = { .buf = buf, .cap = len };
	if (len)
		buf[0] = 0;
	struct fp_info in;
	fp_decode(p, &in);
	put_time(&l, &p->ts);
	put(&l, " ");
	put_body(&l, &in);
	put(&l, " len %zu", p->wirelen);
	if (p->caplen < p->wirelen)
		put(&l, " cap %zu", p->caplen);
	return l.len;
}

/* ------------------------------------------------------------------ JSON */

void fp_json(struct json *j, const struct fp_packet *p)
{
	struct fp_info in;
	fp_decode(p, &in);
	char t[64];
	struct line l = { .buf = t, .cap = sizeof(t) };
	put_time(&l, &p->ts);
	json_obj(j);
	json_kstr(j, "time", t);
	snprintf(t, sizeof(t), "%lld.%06ld", (long long)p->ts.tv_sec, (long)p->ts.tv_usec);
	json_kstr(j, "ts", t);
	json_kuint(j, "len", p->wirelen);
	json_kuint(j, "caplen", p->caplen);
	if (in.nvlan) {
		json_key(j, "vlan");
		json_arr(j);
		for (int i = 0; i < in.nvlan; i++)
			json_uint(j, in.vlan[i]);
		json_end(j);
	}
	json_kstr(j, "proto", in.proto);
	if (in.proto_num >= 0)
		json_kint(j, "proto_num", in.proto_num);
	if (in.src[0]) {
		json_kstr(j, "src", in.src);
		json_kstr(j, "dst", in.dst);
	}
	if (in.sport >= 0) {
		json_kint(j, "sport", in.sport);
		json_kint(j, "dport", in.dport);
	}
	if (in.icmp_type >= 0) {
		json_kint(j, "icmp_type", in.icmp_type);
		json_kint(j, "icmp_code", in.icmp_code);
	}
	if (in.arp_op >= 0)
		json_kstr(j, "arp_op", arp_op_name(in.arp_op));
	if (in.arp_mac[0])
		json_kstr(j, "is_at", in.arp_mac);
	if (in.frag)
		json_kbool(j, "frag", true);
	if (in.truncated)
		json_kbool(j, "truncated", true);
	json_end(j);
}
