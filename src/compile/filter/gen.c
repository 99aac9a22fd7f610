/*
 * Network and transport layers: IPv4/IPv6 hosts and networks, protocol
 * numbers (IPv6 looking through one fragment header, as libpcap does),
 * ports and port ranges over TCP, UDP and SCTP (IPv4 fragments other
 * than the first never match a port), protocol-relative loads
 * `proto[expr:size]`, relations and packet length.  Every function
 * returns a predicate, or NULL with the error recorded in fc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/ether.h>
#include <stdlib.h>
#include <string.h>

#include "compile/filter/filter_internal.h"

#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_RARP 0x8035

static struct ir_pred *cmp_nl(struct fc *fc, uint32_t off, unsigned size, uint32_t k)
{
	struct ir_val *v = ir_load(fc->ir, size, fc->off_linkpl + fc->off_nl + off, NULL);
	return ir_atom_k(fc->ir, v, IR_JEQ, k);
}

static struct ir_pred *mcmp_nl(struct fc *fc, uint32_t off, uint32_t k, uint32_t mask)
{
	struct ir_val *v = ir_load(fc->ir, 4, fc->off_linkpl + fc->off_nl + off, NULL);
	if (mask != 0xffffffffu)
		v = ir_bin(fc->ir, IR_AND, v, ir_const(fc->ir, mask));
	return ir_atom_k(fc->ir, v, IR_JEQ, k);
}

/* Not an IPv4 fragment after the first: (flags/offset & 0x1fff) == 0. */
static struct ir_pred *first_frag(struct fc *fc)
{
	struct ir_val *v = ir_load(fc->ir, 2, fc->off_linkpl + fc->off_nl + 6, NULL);
	return ir_not(fc->ir, ir_atom_k(fc->ir, v, IR_JSET, 0x1fff));
}

static struct ir_pred *ip_proto(struct fc *fc, uint32_t p)
{
	return ir_and(fc->ir, gen_linktype(fc, ETHERTYPE_IP), cmp_nl(fc, 9, 1, p));
}

static struct ir_pred *ip6_proto(struct fc *fc, uint32_t p)
{
	struct ir *ir = fc->ir;
	struct ir_pred *frag = ir_and(ir, cmp_nl(fc, 6, 1, 44), cmp_nl(fc, 40, 1, p));
	return ir_and(ir, gen_linktype(fc, ETHERTYPE_IPV6), ir_or(ir, cmp_nl(fc, 6, 1, p), frag));
}

static struct ir_pred *gen_proto(struct fc *fc, uint32_t v, enum q_proto proto)
{
	switch ((int)proto) {
	case QP_DEFAULT:
		if (v > 255)
			return fc_fail(fc, EINVAL, "protocol number %u greater than maximum 255", v);
		return ir_or(fc->ir, ip_proto(fc, v), ip6_proto(fc, v));
	case QP_IP:
		if (v > 255)
			return fc_fail(fc, EINVAL, "protocol number %u greater than maximum 255", v);
		return ip_proto(fc, v);
	case QP_IPV6:
		if (v > 255)
			return fc_fail(fc, EINVAL, "protocol number %u greater than maximum 255", v);
		return ip6_proto(fc, v);
	case QP_LINK: return gen_linktype(fc, v);
	case QP_ISO: case QP_ISIS:
		if (proto == QP_ISIS && v > 31)
			return fc_fail(fc, EINVAL, "IS-IS PDU type %u greater than maximum 31", v);
		if (v > 255)
			return fc_fail(fc, EINVAL, "protocol number %u greater than maximum 255", v);
		/* the NLPID after the 3-byte LLC header; IS-IS: its PDU type */
		return ir_and(fc->ir, gen_proto_abbrev(fc, proto),
			      ir_atom_k(fc->ir, ir_load(fc->ir, 1, fc->off_linkpl + (proto == QP_ISO ? 3 : 7),
							NULL), IR_JEQ, v));
	case QP_ARP: case QP_RARP: case QP_ATALK: case QP_AARP: case QP_DECNET: case QP_LAT:
	case QP_SCA: case QP_MOPRC: case QP_MOPDL: case QP_STP: case QP_IPX: case QP_NETBEUI:
		return fc_fail(fc, EINVAL, "%s does not encapsulate another protocol",
			       flt_proto_name(proto));
	default:
		return fc_fail(fc, EINVAL, "'%s proto' is bogus", flt_proto_name(proto));
	}
}

/* `[ip|ip6] protochain v`: the protocol libpcap's header walk stops on is v. */
static struct ir_pred *gen_protochain(struct fc *fc, uint32_t v, enum q_proto proto)
{
	struct ir *ir = fc->ir;
	uint32_t nl = fc->off_linkpl + fc->off_nl;
	if (proto != QP_DEFAULT && proto != QP_IP && proto != QP_IPV6)
		return fc_fail(fc, EINVAL, "bad protocol applied for 'protochain'");
	if (v > 255)
		return fc_fail(fc, EINVAL, "protocol number %u greater than maximum 255", v);
	/* two unrolled walks are too many paths for the eBPF verifier */
	if (fc->protochain)
		return fc_fail(fc, ENOTSUP, "moat compiles one 'protochain' per expression");
	fc->protochain = true;
	struct ir_pred *v4 = ir_and(ir, gen_linktype(fc, ETHERTYPE_IP),
				    ir_atom_k(ir, ir_chain(ir, 4, nl, v), IR_JEQ, v));
	struct ir_pred *v6 = ir_and(ir, gen_linktype(fc, ETHERTYPE_IPV6),
				    ir_atom_k(ir, ir_chain(ir, 6, nl, v), IR_JEQ, v));
	return proto == QP_IP ? v4 : proto == QP_IPV6 ? v6 : ir_or(ir, v4, v6);
}

struct ir_pred *gen_proto_abbrev(struct fc *fc, enum q_proto p)
{
	switch ((int)p) {
	case QP_SCTP: return gen_proto(fc, 132, QP_DEFAULT);
	case QP_TCP: return gen_proto(fc, 6, QP_DEFAULT);
	case QP_UDP: return gen_proto(fc, 17, QP_DEFAULT);
	case QP_ICMP: return ip_proto(fc, 1);
	case QP_IGMP: return ip_proto(fc, 2);
	case QP_IGRP: return ip_proto(fc, 9);
	case QP_PIM: return gen_proto(fc, 103, QP_DEFAULT);
	case QP_VRRP: case QP_CARP: return ip_proto(fc, 112);
	case QP_ICMPV6: return ip6_proto(fc, 58);
	case QP_AH: return gen_proto(fc, 51, QP_DEFAULT);
	case QP_ESP: return gen_proto(fc, 50, QP_DEFAULT);
	case QP_IP: return gen_linktype(fc, ETHERTYPE_IP);
	case QP_IPV6: return gen_linktype(fc, ETHERTYPE_IPV6);
	case QP_ARP: return gen_linktype(fc, ETHERTYPE_ARP);
	case QP_RARP: return gen_linktype(fc, ETHERTYPE_RARP);
	case QP_ATALK: return gen_linktype(fc, 0x809b);
	case QP_AARP: return gen_linktype(fc, 0x80f3);
	case QP_DECNET: return gen_linktype(fc, 0x6003);
	case QP_SCA: return gen_linktype(fc, 0x6007);
	case QP_LAT: return gen_linktype(fc, 0x6004);
	case QP_MOPDL: return gen_linktype(fc, 0x6001);
	case QP_MOPRC: return gen_linktype(fc, 0x6002);
	case QP_ISO: return gen_linktype(fc, 0xfe);
	case QP_STP: return gen_linktype(fc, 0x42);
	case QP_IPX: return gen_linktype(fc, 0xe0);
	case QP_NETBEUI: return gen_linktype(fc, 0xf0);
	case QP_LINK: return fc_fail(fc, EINVAL, "link layer applied in wrong context");
	case QP_CLNP: return gen_proto(fc, 0x81, QP_ISO);
	case QP_ESIS: return gen_proto(fc, 0x82, QP_ISO);
	case QP_ISIS: return gen_proto(fc, 0x83, QP_ISO);
	case QP_DEFAULT: case QP_COUNT: break;
	}
	return fc_fail(fc, ENOTSUP, "'%s' is not supported by moat", flt_proto_name(p));
}

/* ------------------------------------------------------------- hosts */

static struct ir_pred *hostop(struct fc *fc, uint32_t addr, uint32_t mask, enum q_dir dir,
			      uint32_t ethertype, uint32_t src, uint32_t dst)
{
	struct ir *ir = fc->ir;
	struct ir_pred *s = mcmp_nl(fc, src, addr, mask), *d = mcmp_nl(fc, dst, addr, mask), *r;
	switch ((int)dir) {
	case QD_SRC: r = s; break;
	case QD_DST: r = d; break;
	case QD_AND: r = ir_and(ir, s, d); break;
	case QD_DEFAULT: case QD_OR: default: r = ir_or(ir, s, d); break;
	}
	return ir_and(ir, gen_linktype(fc, ethertype), r);
}

static struct ir_pred *gen_host(struct fc *fc, uint32_t addr, uint32_t mask, struct qual q)
{
	const char *what = q.type == QT_NET ? "net" : "host";
	switch ((int)q.proto) {
	case QP_DEFAULT: {
		struct ir_pred *r = hostop(fc, addr, mask, q.dir, ETHERTYPE_IP, 12, 16);
		if (fc->label_depth > 0)
			return r;
		struct ir_pred *a = hostop(fc, addr, mask, q.dir, ETHERTYPE_ARP, 14, 24);
		struct ir_pred *ra = hostop(fc, addr, mask, q.dir, ETHERTYPE_RARP, 14, 24);
		return ir_or(fc->ir, r, ir_or(fc->ir, a, ra));
	}
	case QP_IP: return hostop(fc, addr, mask, q.dir, ETHERTYPE_IP, 12, 16);
	case QP_ARP: return hostop(fc, addr, mask, q.dir, ETHERTYPE_ARP, 14, 24);
	case QP_RARP: return hostop(fc, addr, mask, q.dir, ETHERTYPE_RARP, 14, 24);
	case QP_LINK: return fc_fail(fc, EINVAL, "link-layer modifier applied to %s", what);
	default:
		return fc_fail(fc, EINVAL, "'%s' modifier applied to %s", flt_proto_name(q.proto),
			       what);
	}
}

static struct ir_pred *host6_at(struct fc *fc, uint32_t off, const uint8_t a[16],
				const uint8_t m[16])
{
	struct ir_pred *r = ir_true(fc->ir);
	for (int w = 0; w < 4; w++) {
		uint32_t av, mv;
		memcpy(&av, a + 4 * w, 4);
		memcpy(&mv, m + 4 * w, 4);
		av = ntohl(av);
		mv = ntohl(mv);
		if (mv)
			r = ir_and(fc->ir, r, mcmp_nl(fc, off + 4 * (uint32_t)w, av & mv, mv));
	}
	return r;
}

static struct ir_pred *gen_host6(struct fc *fc, const uint8_t a[16], const uint8_t m[16],
				 struct qual q)
{
	struct ir *ir = fc->ir;
	const char *what = q.type == QT_NET ? "net" : "host";
	if (q.proto != QP_DEFAULT && q.proto != QP_IPV6)
		return fc_fail(fc, EINVAL, "'%s' modifier applied to ip6 %s",
			       flt_proto_name(q.proto), what);
	struct ir_pred *s = host6_at(fc, 8, a, m), *d = host6_at(fc, 24, a, m), *r;
	switch ((int)q.dir) {
	case QD_SRC: r = s; break;
	case QD_DST: r = d; break;
	case QD_AND: r = ir_and(ir, s, d); break;
	case QD_DEFAULT: case QD_OR: default: r = ir_or(ir, s, d); break;
	}
	return ir_and(ir, gen_linktype(fc, ETHERTYPE_IPV6), r);
}

/* Dotted IPv4 with 1 to 4 parts: value (parts left-aligned to the low
 * end, as libpcap's pcap_atoin) and its length in bits. */
static bool atoin(const char *s, uint32_t *v, int *bits)
{
	uint32_t acc = 0;
	int parts = 0;
	while (*s) {
		char *end;
		unsigned long n = strtoul(s, &end, 10);
		if (end == s || n > 255 || parts == 4)
			return false;
		acc = acc << 8 | (uint32_t)n;
		parts++;
		s = *end == '.' ? end + 1 : end;
		if (*end && *end != '.')
			return false;
	}
	*v = acc;
	*bits = parts * 8;
	return parts > 0;
}

/* ------------------------------------------------------------- ports */

static struct ir_pred *port_cmp(struct fc *fc, struct ir_val *v, uint32_t lo, uint32_t hi)
{
	struct ir *ir = fc->ir;
	if (lo == hi)
		return ir_atom_k(ir, v, IR_JEQ, lo);
	return ir_and(ir, ir_atom_k(ir, v, IR_JGE, lo), ir_not(ir, ir_atom_k(ir, v, IR_JGT, hi)));
}

static struct ir_pred *port_dir(struct fc *fc, struct ir_val *s, struct ir_val *d, uint32_t lo,
				uint32_t hi, enum q_dir dir)
{
	struct ir *ir = fc->ir;
	switch ((int)dir) {
	case QD_SRC: return port_cmp(fc, s, lo, hi);
	case QD_DST: return port_cmp(fc, d, lo, hi);
	case QD_AND: return ir_and(ir, port_cmp(fc, s, lo, hi), port_cmp(fc, d, lo, hi));
	case QD_DEFAULT: case QD_OR: default: break;
	}
	return ir_or(ir, port_cmp(fc, s, lo, hi), port_cmp(fc, d, lo, hi));
}

static struct ir_pred *portop4(struct fc *fc, uint32_t proto, uint32_t lo, uint32_t hi,
			       enum q_dir dir)
{
	struct ir *ir = fc->ir;
	uint32_t nl = fc->off_linkpl + fc->off_nl;
	struct ir_val *x = ir_msh(ir, nl);
	struct ir_val *s = ir_load(ir, 2, nl, x), *d = ir_load(ir, 2, nl + 2, x);
	return ir_and(ir, cmp_nl(fc, 9, 1, proto),
		      ir_and(ir, first_frag(fc), port_dir(fc, s, d, lo, hi, dir)));
}

static struct ir_pred *portop6(struct fc *fc, uint32_t proto, uint32_t lo, uint32_t hi,
			       enum q_dir dir)
{
	struct ir *ir = fc->ir;
	uint32_t tl = fc->off_linkpl + fc->off_nl + 40;
	struct ir_val *s = ir_load(ir, 2, tl, NULL), *d = ir_load(ir, 2, tl + 2, NULL);
	return ir_and(ir, cmp_nl(fc, 6, 1, proto), port_dir(fc, s, d, lo, hi, dir));
}

static struct ir_pred *gen_port(struct fc *fc, uint32_t lo, uint32_t hi, uint32_t proto,
				enum q_dir dir)
{
	struct ir *ir = fc->ir;
	struct ir_pred *v4, *v6;
	if (lo > hi) {
		uint32_t t = lo;
		lo = hi;
		hi = t;
	}
	if (proto) {
		v4 = portop4(fc, proto, lo, hi, dir);
		v6 = portop6(fc, proto, lo, hi, dir);
	} else {
		v4 = ir_or(ir, portop4(fc, 6, lo, hi, dir),
			   ir_or(ir, portop4(fc, 17, lo, hi, dir), portop4(fc, 132, lo, hi, dir)));
		v6 = ir_or(ir, portop6(fc, 6, lo, hi, dir),
			   ir_or(ir, portop6(fc, 17, lo, hi, dir), portop6(fc, 132, lo, hi, dir)));
	}
	return ir_or(ir, ir_and(ir, gen_linktype(fc, ETHERTYPE_IP), v4),
		     ir_and(ir, gen_linktype(fc, ETHERTYPE_IPV6), v6));
}

/* The IP protocol a port qualifier names, or -1 (error recorded). */
static int port_proto(struct fc *fc, enum q_proto p, const char *kw)
{
	switch ((int)p) {
	case QP_DEFAULT: return 0;
	case QP_TCP: return 6;
	case QP_UDP: return 17;
	case QP_SCTP: return 132;
	default:
		fc_fail(fc, EINVAL, "illegal qualifier of '%s'", kw);
		return -1;
	}
}

/* A port name or number: the port, and in *proto its protocol (0 = any). */
static int port_value(struct fc *fc, const char *s, int want, int *proto)
{
	char *end;
	unsigned long n = strtoul(s, &end, 0);
	if (*s && !*end && s[0] >= '0' && s[0] <= '9') {
		if (n > 65535) {
			fc_fail(fc, EINVAL, "illegal port number %lu > 65535", n);
			return -1;
		}
		*proto = want;
		return (int)n;
	}
	int real;
	int port = flt_port(s, &real);
	if (port < 0) {
		fc_fail(fc, EINVAL, "unknown port '%s'", s);
		return -1;
	}
	if (want && real && want != real) {
		fc_fail(fc, EINVAL, "port '%s' is %s", s, real == 6 ? "tcp" : real == 17 ? "udp"
											   : "sctp");
		return -1;
	}
	*proto = want ? want : real;
	return port;
}

static struct ir_pred *portrange(struct fc *fc, const char *s, struct qual q)
{
	int want = port_proto(fc, q.proto, "portrange"), p1, p2;
	if (want < 0)
		return NULL;
	const char *dash = strchr(s, '-');
	char lo[128];
	if (!dash || (size_t)(dash - s) >= sizeof(lo))
		return fc_fail(fc, EINVAL, "unknown port in range '%s'", s);
	memcpy(lo, s, (size_t)(dash - s));
	lo[dash - s] = 0;
	int a = port_value(fc, lo, want, &p1);
	int b = a < 0 ? -1 : port_value(fc, dash + 1, want, &p2);
	if (b < 0)
		return NULL;
	return gen_port(fc, (uint32_t)a, (uint32_t)b, (uint32_t)(p1 == p2 ? p1 : want), q.dir);
}

/* ------------------------------------------------------------ DECnet */

/* "area.node" (area <= 63, node <= 1023) as the 16-bit value DECnet
 * stores little-endian: area * 1024 + node. */
static bool dn_addr(const char *s, uint32_t *v)
{
	char *end;
	unsigned long area = strtoul(s, &end, 10);
	if (end == s || *end != '.' || area > 63)
		return false;
	const char *n = end + 1;
	unsigned long node = strtoul(n, &end, 10);
	if (end == n || *end || node > 1023)
		return false;
	*v = (uint32_t)(area << 10 | node);
	return true;
}

/*
 * A DECnet routing header follows the 2-byte length, optionally after one
 * pad byte (0x81); its flags' low 3 bits say short (2) or long (6)
 * header, which puts the 16-bit node address at different offsets.
 */
static struct ir_pred *dn_at(struct fc *fc, uint32_t addr, uint32_t sh, uint32_t lh)
{
	struct ir *ir = fc->ir;
	uint32_t lp = fc->off_linkpl, le = (addr >> 8 | addr << 8) & 0xffff;
	struct ir_val *flags = ir_load(ir, 1, lp + 2, NULL), *padded = ir_load(ir, 2, lp + 2, NULL);
	struct ir_val *m7 = ir_const(ir, 0x07), *mp = ir_const(ir, 0xff07);
	struct ir_pred *r = NULL;
	const struct { struct ir_val *v, *m; uint32_t k, off; } forms[] = {
		{ flags, m7, 0x02, lp + sh }, { padded, mp, 0x8102, lp + sh + 1 },
		{ flags, m7, 0x06, lp + lh }, { padded, mp, 0x8106, lp + lh + 1 },
	};
	for (size_t i = 0; i < 4; i++) {
		struct ir_pred *f = ir_and(ir, ir_atom_k(ir, ir_bin(ir, IR_AND, forms[i].v, forms[i].m),
							 IR_JEQ, forms[i].k),
					   ir_atom_k(ir, ir_load(ir, 2, forms[i].off, NULL), IR_JEQ, le));
		r = r ? ir_or(ir, r, f) : f;
	}
	return r;
}

static struct ir_pred *gen_dnhost(struct fc *fc, const struct tok *t, enum q_dir dir)
{
	struct ir *ir = fc->ir;
	uint32_t a;
	if (!dn_addr(t->text, &a))
		return fc_fail(fc, EINVAL, "invalid DECnet address '%s'", t->text);
	struct ir_pred *s = dn_at(fc, a, 5, 17), *d = dn_at(fc, a, 3, 9), *r;
	switch ((int)dir) {
	case QD_SRC: r = s; break;
	case QD_DST: r = d; break;
	case QD_AND: r = ir_and(ir, s, d); break;
	default: r = ir_or(ir, s, d); break;
	}
	return ir_and(ir, gen_linktype(fc, 0x6003), r);
}

/* ----------------------------------------------------------- by token */

struct ir_pred *gen_ncode(struct fc *fc, const struct tok *t, struct qual q)
{
	uint32_t v = t->num, mask = 0xffffffffu;
	int bits = 32;
	if (t->kind == T_HID6) {
		uint8_t a[16], m[16];
		if (q.type != QT_DEFAULT && q.type != QT_HOST && q.type != QT_NET)
			return fc_fail(fc, EINVAL, "'%s' is not a valid qualifier for '%s'",
				       q.type == QT_GATEWAY ? "gateway" : "port", t->text);
		inet_pton(AF_INET6, t->text, a);
		memset(m, 0xff, sizeof(m));
		return gen_host6(fc, a, m, q);
	}
	if (q.proto == QP_DECNET && (q.type == QT_DEFAULT || q.type == QT_HOST))
		return gen_dnhost(fc, t, q.dir);
	if (t->kind == T_HID && !atoin(t->text, &v, &bits))
		return fc_fail(fc, EINVAL, "invalid IPv4 address '%s'", t->text);
	switch ((int)q.type) {
	case QT_DEFAULT: case QT_HOST: case QT_NET:
		if (q.proto == QP_LINK)
			return fc_fail(fc, EINVAL, "illegal link layer address");
		if (t->kind == T_NUM && q.type == QT_NET) {
			while (v && !(v & 0xff000000u)) {
				v <<= 8;
				mask <<= 8;
			}
		} else if (bits < 32) {
			v <<= 32 - bits;
			mask <<= 32 - bits;
		}
		return gen_host(fc, v, mask, q);
	case QT_PORT: case QT_PORTRANGE: {
		int p = port_proto(fc, q.proto, q.type == QT_PORT ? "port" : "portrange");
		if (p < 0)
			return NULL;
		if (t->kind != T_NUM)
			return fc_fail(fc, EINVAL, "illegal port number '%s'", t->text);
		if (v > 65535)
			return fc_fail(fc, EINVAL, "illegal port number %u > 65535", v);
		return gen_port(fc, v, v, (uint32_t)p, q.dir);
	}
	case QT_GATEWAY:
		return fc_fail(fc, EINVAL, "'gateway' is not a valid qualifier for '%s'", t->text);
	case QT_PROTO:
		if (t->kind != T_NUM)
			return fc_fail(fc, EINVAL, "syntax error");
		return gen_proto(fc, v, q.proto);
	case QT_PROTOCHAIN:
		if (t->kind != T_NUM)
			return fc_fail(fc, EINVAL, "syntax error");
		return gen_protochain(fc, v, q.proto);
	}
	return NULL;
}

struct ir_pred *gen_net_mask(struct fc *fc, const struct tok *addr, const struct tok *mtok,
			     int bits, struct qual q)
{
	if (q.type != QT_NET && q.type != QT_DEFAULT && (q.type != QT_HOST || addr->kind != T_HID6))
		return fc_fail(fc, EINVAL, "mask syntax for networks only");
	q.type = QT_NET;
	if (addr->kind == T_HID6) {
		uint8_t a[16], m[16] = { 0 };
		if (bits > 128)
			return fc_fail(fc, EINVAL, "mask length must be <= 128");
		inet_pton(AF_INET6, addr->text, a);
		for (int i = 0; i < bits; i++)
			m[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		for (int i = 0; i < 16; i++)
			if (a[i] & ~m[i])
				return fc_fail(fc, EINVAL, "non-network bits set in \"%s/%d\"",
					       addr->text, bits);
		return gen_host6(fc, a, m, q);
	}
	uint32_t v, mask;
	int vbits, mbits;
	if (!atoin(addr->text, &v, &vbits))
		return fc_fail(fc, EINVAL, "invalid IPv4 address '%s'", addr->text);
	v <<= 32 - vbits;
	if (mtok) {
		if (!atoin(mtok->text, &mask, &mbits))
			return fc_fail(fc, EINVAL, "invalid IPv4 netmask '%s'", mtok->text);
		mask <<= 32 - mbits;
		if (v & ~mask)
			return fc_fail(fc, EINVAL, "non-network bits set in \"%s mask %s\"",
				       addr->text, mtok->text);
	} else {
		if (bits > 32)
			return fc_fail(fc, EINVAL, "mask length must be <= 32");
		mask = bits ? 0xffffffffu << (32 - bits) : 0;
		if (v & ~mask)
			return fc_fail(fc, EINVAL, "non-network bits set in \"%s/%d\"", addr->text,
				       bits);
	}
	return gen_host(fc, v, mask, q);
}

static struct ir_pred *host_by_name(struct fc *fc, const char *name, struct qual q)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	if (q.proto == QP_IPV6)
		hints.ai_family = AF_INET6;
	else if (q.proto != QP_DEFAULT)
		hints.ai_family = AF_INET;
#ifdef MOAT_FUZZING
	/* fuzzed names must not turn into DNS queries */
	return fc_fail(fc, EINVAL, "unknown host '%s'", name);
#endif
	if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
		return fc_fail(fc, EINVAL, "unknown host '%s'", name);
	struct ir_pred *r = NULL;
	uint8_t m6[16];
	memset(m6, 0xff, sizeof(m6));
	for (struct addrinfo *ai = res; ai && !fc->failed; ai = ai->ai_next) {
		struct ir_pred *h = NULL;
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ai->ai_addr;
			h = gen_host(fc, ntohl(sin->sin_addr.s_addr), 0xffffffffu, q);
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;
			h = gen_host6(fc, sin6->sin6_addr.s6_addr, m6, q);
		}
		if (h)
			r = r ? ir_or(fc->ir, r, h) : h;
	}
	freeaddrinfo(res);
	return fc->failed ? NULL : r ? r : fc_fail(fc, EINVAL, "unknown host '%s'", name);
}

/*
 * `[ip|arp|rarp] gateway NAME`, as libpcap master: frames to or from NAME's
 * Ethernet address (ethers(5)) that are not to or from any of its IPv4
 * addresses (hosts(5), DNS), i.e. packets NAME forwards.  Debian's 1.10.3
 * refuses gateway when built with IPv6; moat sides with master.
 */
static struct ir_pred *gen_gateway(struct fc *fc, const char *name, struct qual q)
{
	if (q.proto != QP_DEFAULT && q.proto != QP_IP && q.proto != QP_ARP && q.proto != QP_RARP)
		return fc_fail(fc, EINVAL, "'%s' is not a valid qualifier for 'gateway'",
			       flt_proto_name(q.proto));
	if (fc->label_depth > 0)
		return fc_fail(fc, EINVAL, "'gateway' cannot be used within MPLS");
	if (fc->linktype != MOAT_DLT_EN10MB)
		return fc_fail(fc, EINVAL, "'gateway' not supported on %s", flt_dlt_name(fc->linktype));
	struct ether_addr ea;
	if (ether_hostton(name, &ea) != 0)
		return fc_fail(fc, EINVAL, "unknown Ethernet-like host '%s'", name);
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
#ifdef MOAT_FUZZING
	return fc_fail(fc, EINVAL, "unknown host '%s'", name);
#endif
	if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
		return fc_fail(fc, EINVAL, "unknown host '%s'", name);
	struct ir_pred *hosts = NULL;
	q.dir = QD_OR;
	q.type = QT_HOST;
	for (struct addrinfo *ai = res; ai && !fc->failed; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET)
			continue;
		const struct sockaddr_in *sin = (const void *)ai->ai_addr;
		struct ir_pred *h = gen_host(fc, ntohl(sin->sin_addr.s_addr), 0xffffffffu, q);
		hosts = hosts ? ir_or(fc->ir, hosts, h) : h;
	}
	freeaddrinfo(res);
	struct ir_pred *mac = gen_ehost(fc, ea.ether_addr_octet, QD_OR);
	if (fc->failed)
		return NULL;
	if (!hosts)
		return fc_fail(fc, EINVAL, "unknown host '%s'", name);
	return ir_and(fc->ir, mac, ir_not(fc->ir, hosts));
}

struct ir_pred *gen_scode(struct fc *fc, const struct tok *t, struct qual q)
{
	const char *name = t->text;
	uint32_t v;
	int proto, port;
	switch ((int)q.type) {
	case QT_NET: {
		struct netent ne, *res = NULL;
		char buf[1024];
		int herr;
		if (getnetbyname_r(name, &ne, buf, sizeof(buf), &res, &herr) || !res)
			return fc_fail(fc, EINVAL, "unknown network '%s'", name);
		struct tok nt = { .kind = T_NUM, .col = t->col, .num = res->n_net, .text = t->text };
		return gen_ncode(fc, &nt, q);
	}
	case QT_DEFAULT: case QT_HOST:
		if (q.proto == QP_LINK) {
			struct ether_addr ea;
			if (ether_hostton(name, &ea) != 0)
				return fc_fail(fc, EINVAL, "unknown ether host '%s'", name);
			return gen_ehost(fc, ea.ether_addr_octet, q.dir);
		}
		return host_by_name(fc, name, q);
	case QT_PORT:
		proto = port_proto(fc, q.proto, "port");
		if (proto < 0 || (port = port_value(fc, name, proto, &proto)) < 0)
			return NULL;
		return gen_port(fc, (uint32_t)port, (uint32_t)port, (uint32_t)proto, q.dir);
	case QT_PORTRANGE: return portrange(fc, name, q);
	case QT_GATEWAY: return gen_gateway(fc, name, q);
	case QT_PROTO:
		if (q.proto == QP_ISO) {
			v = !strcmp(name, "clnp") ? 0x81 : !strcmp(name, "esis") ? 0x82
			    : !strcmp(name, "isis") ? 0x83 : 0;
			if (!v)
				return fc_fail(fc, EINVAL, "unknown osi proto '%s'", name);
			return gen_proto(fc, v, q.proto);
		}
		if (q.proto == QP_LINK ? !flt_ether_proto(name, &v) : !flt_ip_proto(name, &v))
			return fc_fail(fc, EINVAL, "unknown %s proto '%s'",
				       q.proto == QP_LINK ? "ether" : "ip", name);
		return gen_proto(fc, v, q.proto);
	case QT_PROTOCHAIN:
		if (!flt_ip_proto(name, &v))
			return fc_fail(fc, EINVAL, "unknown ip proto '%s'", name);
		return gen_protochain(fc, v, q.proto);
	}
	return NULL;
}

struct ir_pred *gen_ecode(struct fc *fc, const struct tok *t, struct qual q)
{
	uint8_t mac[6];
	if ((q.type != QT_HOST && q.type != QT_DEFAULT) || q.proto != QP_LINK)
		return fc_fail(fc, EINVAL, "ethernet address used in non-ether expression");
	if (!flt_parse_mac(t->text, mac))
		return fc_fail(fc, EINVAL, "invalid Ethernet address");
	return gen_ehost(fc, mac, q.dir);
}

/* -------------------------------------------------- broadcast, loads */

/* IS-IS PDU classes by name: l1, l2, iih, lsp, snp, csnp, psnp. */
struct ir_pred *gen_isis_pdu(struct fc *fc, const char *name)
{
	static const struct { const char *name; uint8_t types[6]; } pdus[] = {
		{ "l1", { 0x1a, 0x18, 0x12, 0x0f, 0x11 } }, { "l2", { 0x1b, 0x19, 0x14, 0x10, 0x11 } },
		{ "iih", { 0x11, 0x0f, 0x10 } }, { "lsp", { 0x12, 0x14 } },
		{ "snp", { 0x1b, 0x1a, 0x18, 0x19 } }, { "csnp", { 0x18, 0x19 } },
		{ "psnp", { 0x1a, 0x1b } },
	};
	for (size_t i = 0; i < sizeof(pdus) / sizeof(pdus[0]); i++) {
		if (strcmp(name, pdus[i].name))
			continue;
		struct ir_pred *r = NULL;
		for (size_t j = 0; j < 6 && pdus[i].types[j]; j++) {
			struct ir_pred *t = gen_proto(fc, pdus[i].types[j], QP_ISIS);
			r = r ? ir_or(fc->ir, r, t) : t;
		}
		return r;
	}
	return NULL;
}

struct ir_pred *gen_broadcast(struct fc *fc, enum q_proto p)
{
	struct ir *ir = fc->ir;
	if (p == QP_DEFAULT || p == QP_LINK)
		return gen_link_broadcast(fc);
	if (p != QP_IP)
		return fc_fail(fc, EINVAL, "only link-layer/IP broadcast filters supported");
	if (fc->netmask == MOAT_FILTER_NETMASK_UNKNOWN)
		return fc_fail(fc, EINVAL, "netmask not known, so 'ip broadcast' not supported");
	uint32_t host = ~fc->netmask;
	struct ir_pred *r = ir_or(ir, mcmp_nl(fc, 16, 0, host), mcmp_nl(fc, 16, host, host));
	return ir_and(ir, gen_linktype(fc, ETHERTYPE_IP), r);
}

struct ir_pred *gen_multicast(struct fc *fc, enum q_proto p)
{
	struct ir *ir = fc->ir;
	uint32_t nl = fc->off_linkpl + fc->off_nl;
	if (p == QP_DEFAULT || p == QP_LINK)
		return gen_link_multicast(fc);
	if (p == QP_IP)
		return ir_and(ir, gen_linktype(fc, ETHERTYPE_IP),
			      ir_atom_k(ir, ir_load(ir, 1, nl + 16, NULL), IR_JGE, 224));
	if (p == QP_IPV6)
		return ir_and(ir, gen_linktype(fc, ETHERTYPE_IPV6), cmp_nl(fc, 24, 1, 255));
	return fc_fail(fc, EINVAL, "only IP multicast filters supported on ethernet/FDDI/"
			       "token ring/ARCNET/802.11/ATM LANE/Fibre Channel");
}

struct ir_pred *gen_len(struct fc *fc, enum ir_rel rel, uint32_t n, bool negate)
{
	struct ir_pred *r = ir_atom_k(fc->ir, ir_len(fc->ir), rel, n);
	return negate ? ir_not(fc->ir, r) : r;
}

static struct ir_pred *and_opt(struct ir *ir, struct ir_pred *a, struct ir_pred *b)
{
	return !a ? b : !b ? a : ir_and(ir, a, b);
}

struct arth gen_load(struct fc *fc, enum q_proto p, struct arth idx, unsigned size)
{
	struct ir *ir = fc->ir;
	struct arth r = { 0 };
	uint32_t nl = fc->off_linkpl + fc->off_nl, base;
	struct ir_val *index = idx.v;
	struct ir_pred *g;
	switch ((int)p) {
	case QP_LINK: base = 0; g = NULL; break;
	case QP_IP: case QP_ARP: case QP_RARP: case QP_ATALK: case QP_DECNET:
	case QP_SCA: case QP_LAT: case QP_MOPRC: case QP_MOPDL: case QP_IPV6:
		base = nl;
		g = gen_proto_abbrev(fc, p);
		break;
	case QP_TCP: case QP_UDP: case QP_SCTP: case QP_ICMP: case QP_IGMP: case QP_IGRP:
	case QP_PIM: case QP_VRRP: case QP_CARP: {
		static const uint8_t num[QP_COUNT] = { [QP_TCP] = 6, [QP_UDP] = 17,
			[QP_SCTP] = 132, [QP_ICMP] = 1, [QP_IGMP] = 2, [QP_IGRP] = 9,
			[QP_PIM] = 103, [QP_VRRP] = 112, [QP_CARP] = 112 };
		base = nl;
		index = ir_bin(ir, IR_ADD, ir_msh(ir, nl), idx.v);
		g = ir_and(ir, ip_proto(fc, num[p]), first_frag(fc));
		break;
	}
	case QP_ICMPV6:
		base = nl + 40;
		g = ir_and(ir, gen_linktype(fc, ETHERTYPE_IPV6), cmp_nl(fc, 6, 1, 58));
		break;
	default:
		fc_fail(fc, EINVAL, "'%s' does not support the index operation", flt_proto_name(p));
		return r;
	}
	if (fc->failed)
		return r;
	uint32_t k;
	if (ir_val_const(index, &k))
		r.v = ir_load(ir, size, base + k, NULL);
	else if (index->kind == IR_BIN && index->op == IR_ADD && ir_val_const(index->b, &k))
		r.v = ir_load(ir, size, base + k, index->a);
	else
		r.v = ir_load(ir, size, base, index);
	r.guard = and_opt(ir, idx.guard, g);
	return r;
}

struct ir_pred *gen_relation(struct fc *fc, enum tok_kind op, struct arth a, struct arth b)
{
	struct ir *ir = fc->ir;
	struct ir_pred *atom;
	switch ((int)op) {
	case T_GT: atom = ir_atom(ir, a.v, IR_JGT, b.v); break;
	case T_GE: atom = ir_atom(ir, a.v, IR_JGE, b.v); break;
	case T_LT: atom = ir_not(ir, ir_atom(ir, a.v, IR_JGE, b.v)); break;
	case T_LE: atom = ir_not(ir, ir_atom(ir, a.v, IR_JGT, b.v)); break;
	case T_NE: atom = ir_not(ir, ir_atom(ir, a.v, IR_JEQ, b.v)); break;
	default: atom = ir_atom(ir, a.v, IR_JEQ, b.v); break;
	}
	return and_opt(ir, and_opt(ir, a.guard, b.guard), atom);
}
