/*
 * moat filter's packet lines.  A small decoder, not a protocol analyser:
 * link header (Ethernet with VLAN tags, Linux cooked v1/v2, BSD loopback,
 * raw IP), then IPv4 or IPv6 (skipping IPv6 extension headers), then the
 * ports of TCP, UDP, SCTP and UDP-Lite or the type of ICMP.  Every read goes
 * through the bounds-checked reader in util/reader.h: captures are
 * untrusted input (the corpus holds many fuzzer-made ones).
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/filter_print.h"
#include "util/reader.h"

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

static void put_mac(struct line *l, const uint8_t *m)
{
	put(l, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The IP addresses of a packet, printed once the ports are known. */
struct ends {
	int family;
	uint8_t src[16], dst[16];
};

static void put_addr(struct line *l, const struct ends *e, const uint8_t *a, int port)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(e->family, a, s, sizeof(s));
	if (port < 0)
		put(l, "%s", s);
	else if (e->family == AF_INET6)
		put(l, "[%s]:%d", s, port);
	else
		put(l, "%s:%d", s, port);
}

static const char *ip_proto_name(uint8_t p, int family)
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
	default: return family == AF_INET6 ? "IP6" : "IP";
	}
}

/* Transport part: proto name, addresses with ports or ICMP type. `t` is the
 * transport header (may be empty); `first` is false for later fragments. */
static void put_transport(struct line *l, const struct ends *e, uint8_t proto, const struct rd *t,
			  bool first)
{
	const char *name = ip_proto_name(proto, e->family);
	bool ported = proto == 6 || proto == 17 || proto == 132 || proto == 136;
	if (!strcmp(name, "IP") || !strcmp(name, "IP6"))
		put(l, "%s proto %u ", name, proto);
	else
		put(l, "%s ", name);
	if (ported && first && t->len >= 4) {
		put_addr(l, e, e->src, be16(t, 0));
		put(l, " > ");
		put_addr(l, e, e->dst, be16(t, 2));
		return;
	}
	put_addr(l, e, e->src, -1);
	put(l, " > ");
	put_addr(l, e, e->dst, -1);
	if (!first)
		put(l, " frag");
	else if ((proto == 1 || proto == 58) && t->len >= 2)
		put(l, " type %u code %u", u8at(t, 0), u8at(t, 1));
	else if (ported)
		put(l, " [truncated]");
}

static void put_ipv4(struct line *l, const struct rd *b)
{
	struct ends e = { .family = AF_INET };
	uint8_t vihl = u8at(b, 0);
	size_t hl = (size_t)(vihl & 0xf) * 4;
	if (b->len < 20 || hl < 20) {
		put(l, "IP [truncated]");
		return;
	}
	memcpy(e.src, b->p + 12, 4);
	memcpy(e.dst, b->p + 16, 4);
	uint16_t frag = be16(b, 6);
	struct rd t = { 0 };
	if (hl <= b->len)
		rd_sub(b, hl, b->len - hl, &t);
	put_transport(l, &e, u8at(b, 9), &t, (frag & 0x1fff) == 0);
}

static bool ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51;
}

static void put_ipv6(struct line *l, const struct rd *b)
{
	struct ends e = { .family = AF_INET6 };
	if (b->len < 40) {
		put(l, "IP6 [truncated]");
		return;
	}
	memcpy(e.src, b->p + 8, 16);
	memcpy(e.dst, b->p + 24, 16);
	uint8_t nh = u8at(b, 6);
	size_t off = 40;
	bool first = true;
	/* Extension headers: hop-by-hop, routing, fragment, destination, AH. */
	for (int i = 0; i < 8 && ipv6_ext(nh) && nh != 51; i++) {
		if (off + 8 > b->len)
			break;
		if (nh == 44)
			first = (be16(b, off + 2) & 0xfff8) == 0;
		size_t hl = nh == 44 ? 8 : ((size_t)u8at(b, off + 1) + 1) * 8;
		nh = u8at(b, off);
		off += hl;
	}
	struct rd t = { 0 };
	if (off <= b->len)
		rd_sub(b, off, b->len - off, &t);
	put_transport(l, &e, nh, &t, first);
}

static void put_arp(struct line *l, const struct rd *b, uint16_t type)
{
	const char *name = type == 0x8035 ? "RARP" : "ARP";
	/* Ethernet/IPv4 ARP: hlen 6, plen 4. */
	if (b->len < 28 || u8at(b, 4) != 6 || u8at(b, 5) != 4) {
		put(l, "%s", name);
		return;
	}
	uint16_t op = be16(b, 6);
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, b->p + 14, spa, sizeof(spa));
	inet_ntop(AF_INET, b->p + 24, tpa, sizeof(tpa));
	if (op == 1 || op == 3) {
		put(l, "%s who-has %s tell %s", name, tpa, spa);
	} else if (op == 2 || op == 4) {
		put(l, "%s reply %s is-at ", name, spa);
		put_mac(l, b->p + 8);
	} else {
		put(l, "%s op %u %s > %s", name, op, spa, tpa);
	}
}

/* Network layer by ethertype; returns false when the type is not decoded. */
static bool put_ethertype(struct line *l, uint16_t type, const struct rd *b)
{
	switch (type) {
	case 0x0800: put_ipv4(l, b); return true;
	case 0x86dd: put_ipv6(l, b); return true;
	case 0x0806:
	case 0x8035: put_arp(l, b, type); return true;
	default: return false;
	}
}

static void put_ether(struct line *l, const struct rd *b)
{
	if (b->len < 14) {
		put(l, "ether [truncated]");
		return;
	}
	size_t off = 12;
	uint16_t type = be16(b, off);
	/* 802.1Q / 802.1ad / old QinQ tags, at most a few deep */
	for (int i = 0; i < 4 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); i++) {
		if (off + 6 > b->len)
			break;
		put(l, "vlan %u ", be16(b, off + 2) & 0xfff);
		off += 4;
		type = be16(b, off);
	}
	struct rd n;
	rd_sub(b, off + 2, b->len - (off + 2 <= b->len ? off + 2 : b->len), &n);
	if (put_ethertype(l, type, &n))
		return;
	if (type <= 1500)
		put(l, "802.3 llc ");
	else
		put(l, "ether 0x%04x ", type);
	put_mac(l, b->p + 6);
	put(l, " > ");
	put_mac(l, b->p);
}

/* Linux cooked captures: v1 has the protocol at 14, v2 at 0 (20 bytes). */
static void put_sll(struct line *l, const struct rd *b, bool v2)
{
	size_t hl = v2 ? 20 : 16;
	if (b->len < hl) {
		put(l, "sll [truncated]");
		return;
	}
	uint16_t type = be16(b, v2 ? 0 : 14);
	struct rd n;
	rd_sub(b, hl, b->len - hl, &n);
	if (!put_ethertype(l, type, &n))
		put(l, "sll proto 0x%04x", type);
}

/* BSD loopback: a 4-byte address family in host (NULL) or network (LOOP) order. */
static void put_null(struct line *l, const struct rd *b, bool loop)
{
	uint32_t af;
	if (!rd_copy(b, 0, &af)) {
		put(l, "loopback [truncated]");
		return;
	}
	if (loop)
		af = ntohl(af);
	else if (af > 0xffff)
		af = __builtin_bswap32(af); /* written on a host of the other byte order */
	struct rd n;
	rd_sub(b, 4, b->len - 4, &n);
	if (af == AF_INET)
		put_ipv4(l, &n);
	else if (af == 10 || af == 24 || af == 28 || af == 30) /* AF_INET6 on Linux and BSDs */
		put_ipv6(l, &n);
	else
		put(l, "loopback af %u", af);
}

static void put_raw(struct line *l, const struct rd *b)
{
	uint8_t v = u8at(b, 0) >> 4;
	if (v == 4)
		put_ipv4(l, b);
	else if (v == 6)
		put_ipv6(l, b);
	else
		put(l, "raw version %u", v);
}

static void put_link(struct line *l, const struct fp_packet *p, const struct rd *b)
{
	switch (p->dlt) {
	case DLT_EN10MB: put_ether(l, b); break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6: put_raw(l, b); break;
	case DLT_LINUX_SLL: put_sll(l, b, false); break;
	case DLT_LINUX_SLL2: put_sll(l, b, true); break;
	case DLT_NULL: put_null(l, b, false); break;
	case DLT_LOOP: put_null(l, b, true); break;
	default: {
		const char *name = pcap_datalink_val_to_name(p->dlt);
		if (name)
			put(l, "%s", name);
		else
			put(l, "linktype %d", p->dlt);
		break;
	}
	}
}

size_t fp_format(char *buf, size_t len, const struct fp_packet *p)
{
	struct line l = { .buf = buf, .cap = len };
	if (len)
		buf[0] = 0;
	time_t sec = p->ts.tv_sec;
	struct tm tm;
	if (gmtime_r(&sec, &tm))
		put(&l, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		put(&l, "%lld", (long long)sec);
	put(&l, p->nsec ? ".%09ld " : ".%06ld ", (long)p->ts.tv_usec);
	struct rd b = { p->data, p->caplen };
	put_link(&l, p, &b);
	put(&l, " len %zu", p->wirelen);
	if (p->caplen < p->wirelen)
		put(&l, " cap %zu", p->caplen);
	return l.len;
}
