/*
 * Keyword and name tables of the pcap-filter language: protocol
 * qualifiers, the named constants usable in arithmetic (tcpflags,
 * icmp-echo, ...), ether and IP protocol names, services, MAC syntax.
 */
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile/filter/filter_internal.h"

struct kw {
	const char *s;
	uint32_t v;
};

static const struct kw proto_kws[] = {
	{ "link", QP_LINK }, { "ether", QP_LINK }, { "ppp", QP_LINK }, { "slip", QP_LINK },
	{ "fddi", QP_LINK }, { "tr", QP_LINK }, { "wlan", QP_LINK },
	{ "ip", QP_IP }, { "arp", QP_ARP }, { "rarp", QP_RARP }, { "sctp", QP_SCTP },
	{ "tcp", QP_TCP }, { "udp", QP_UDP }, { "icmp", QP_ICMP }, { "igmp", QP_IGMP },
	{ "igrp", QP_IGRP }, { "atalk", QP_ATALK }, { "decnet", QP_DECNET }, { "lat", QP_LAT },
	{ "sca", QP_SCA }, { "moprc", QP_MOPRC }, { "mopdl", QP_MOPDL }, { "ip6", QP_IPV6 },
	{ "icmp6", QP_ICMPV6 }, { "ah", QP_AH }, { "esp", QP_ESP }, { "pim", QP_PIM },
	{ "vrrp", QP_VRRP }, { "aarp", QP_AARP }, { "iso", QP_ISO }, { "esis", QP_ESIS },
	{ "es-is", QP_ESIS }, { "isis", QP_ISIS }, { "is-is", QP_ISIS }, { "clnp", QP_CLNP },
	{ "stp", QP_STP }, { "ipx", QP_IPX }, { "netbeui", QP_NETBEUI }, { "carp", QP_CARP },
};

static const char *const proto_names[QP_COUNT] = {
	[QP_DEFAULT] = "", [QP_LINK] = "link", [QP_IP] = "ip", [QP_ARP] = "arp",
	[QP_RARP] = "rarp", [QP_SCTP] = "sctp", [QP_TCP] = "tcp", [QP_UDP] = "udp",
	[QP_ICMP] = "icmp", [QP_IGMP] = "igmp", [QP_IGRP] = "igrp", [QP_ATALK] = "atalk",
	[QP_DECNET] = "decnet", [QP_LAT] = "lat", [QP_SCA] = "sca", [QP_MOPRC] = "moprc",
	[QP_MOPDL] = "mopdl", [QP_IPV6] = "ip6", [QP_ICMPV6] = "icmp6", [QP_AH] = "ah",
	[QP_ESP] = "esp", [QP_PIM] = "pim", [QP_VRRP] = "vrrp", [QP_AARP] = "aarp",
	[QP_ISO] = "iso", [QP_ESIS] = "esis", [QP_ISIS] = "isis", [QP_CLNP] = "clnp",
	[QP_STP] = "stp", [QP_IPX] = "ipx", [QP_NETBEUI] = "netbeui", [QP_CARP] = "carp",
};

static const struct kw arith_consts[] = {
	{ "icmptype", 0 }, { "icmpcode", 1 }, { "icmp-echoreply", 0 }, { "icmp-unreach", 3 },
	{ "icmp-sourcequench", 4 }, { "icmp-redirect", 5 }, { "icmp-echo", 8 },
	{ "icmp-routeradvert", 9 }, { "icmp-routersolicit", 10 }, { "icmp-timxceed", 11 },
	{ "icmp-paramprob", 12 }, { "icmp-tstamp", 13 }, { "icmp-tstampreply", 14 },
	{ "icmp-ireq", 15 }, { "icmp-ireqreply", 16 }, { "icmp-maskreq", 17 },
	{ "icmp-maskreply", 18 }, { "tcpflags", 13 }, { "tcp-fin", 0x01 }, { "tcp-syn", 0x02 },
	{ "tcp-rst", 0x04 }, { "tcp-push", 0x08 }, { "tcp-ack", 0x10 }, { "tcp-urg", 0x20 },
	{ "tcp-ece", 0x40 }, { "tcp-cwr", 0x80 }, { "icmp6type", 0 }, { "icmp6code", 1 },
	{ "icmp6-destinationunreach", 1 }, { "icmp6-packettoobig", 2 },
	{ "icmp6-timeexceeded", 3 }, { "icmp6-parameterproblem", 4 }, { "icmp6-echo", 128 },
	{ "icmp6-echoreply", 129 }, { "icmp6-multicastlistenerquery", 130 },
	{ "icmp6-multicastlistenerreportv1", 131 }, { "icmp6-multicastlistenerdone", 132 },
	{ "icmp6-routersolicit", 133 }, { "icmp6-routeradvert", 134 },
	{ "icmp6-neighborsolicit", 135 }, { "icmp6-neighboradvert", 136 },
	{ "icmp6-redirect", 137 }, { "icmp6-routerrenum", 138 },
	{ "icmp6-nodeinformationquery", 139 }, { "icmp6-nodeinformationresponse", 140 },
	{ "icmp6-ineighbordiscoverysolicit", 141 }, { "icmp6-ineighbordiscoveryadvert", 142 },
	{ "icmp6-multicastlistenerreportv2", 143 }, { "icmp6-homeagentdiscoveryrequest", 144 },
	{ "icmp6-homeagentdiscoveryreply", 145 }, { "icmp6-mobileprefixsolicit", 146 },
	{ "icmp6-mobileprefixadvert", 147 }, { "icmp6-certpathsolicit", 148 },
	{ "icmp6-certpathadvert", 149 }, { "icmp6-multicastrouteradvert", 151 },
	{ "icmp6-multicastroutersolicit", 152 }, { "icmp6-multicastrouterterm", 153 },
};

/* Ethernet protocol names (libpcap's eproto_db plus the LLC SAP names). */
static const struct kw ether_protos[] = {
	{ "ip", 0x0800 }, { "ip6", 0x86dd }, { "arp", 0x0806 }, { "rarp", 0x8035 },
	{ "atalk", 0x809b }, { "aarp", 0x80f3 }, { "decnet", 0x6003 }, { "sca", 0x6007 },
	{ "lat", 0x6004 }, { "mopdl", 0x6001 }, { "moprc", 0x6002 }, { "pup", 0x0200 },
	{ "sprite", 0x0500 }, { "vlan", 0x8100 }, { "lldp", 0x88cc }, { "loopback", 0x9000 },
	{ "slow", 0x8809 }, { "iso", 0xfe }, { "stp", 0x42 }, { "ipx", 0xe0 },
	{ "netbeui", 0xf0 },
};

/* IP protocol names the grammar knows as keywords. */
static const struct kw ip_protos[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "igrp", 9 }, { "udp", 17 },
	{ "icmp6", 58 }, { "ah", 51 }, { "esp", 50 }, { "pim", 103 }, { "vrrp", 112 },
	{ "carp", 112 }, { "sctp", 132 },
};

static const char *const other_kws[] = {
	"and", "or", "not", "src", "dst", "host", "net", "mask", "port", "portrange", "proto",
	"protochain", "gateway", "less", "greater", "len", "length", "broadcast", "multicast",
	"vlan", "mpls", "inbound", "outbound", "ifindex", "pppoed", "pppoes", "geneve", "vxlan",
	"llc", "type", "subtype", "dir", "ra", "ta", "addr1", "addr2", "addr3", "addr4", "on",
	"ifname", "rnr", "rulenum", "reason", "rset", "ruleset", "srnr", "subrulenum", "action",
	"lane", "oam", "oamf4", "oamf4ec", "oamf4sc", "metac", "bcc", "sc", "ilmic", "metaconnect",
	"connectmsg", "vpi", "vci", "fisu", "lssu", "msu", "sio", "opc", "dpc", "sls", "hsio",
	"hopc", "hdpc", "hsls", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp", "byte",
};

static bool lookup(const struct kw *t, size_t n, const char *s, uint32_t *v)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].s, s)) {
			*v = t[i].v;
			return true;
		}
	return false;
}

#define LOOKUP(t, s, v) lookup((t), sizeof(t) / sizeof((t)[0]), (s), (v))

enum q_proto flt_proto_kw(const char *s)
{
	uint32_t v;
	return LOOKUP(proto_kws, s, &v) ? (enum q_proto)v : QP_DEFAULT;
}

const char *flt_proto_name(enum q_proto p)
{
	return p < QP_COUNT ? proto_names[p] : "?";
}

bool flt_arith_const(const char *s, uint32_t *v)
{
	return LOOKUP(arith_consts, s, v);
}

bool flt_ether_proto(const char *s, uint32_t *v)
{
	return LOOKUP(ether_protos, s, v);
}

bool flt_ip_proto(const char *s, uint32_t *v)
{
	if (LOOKUP(ip_protos, s, v))
		return true;
	struct protoent pe, *res = NULL;
	char buf[1024];
	if (getprotobyname_r(s, &pe, buf, sizeof(buf), &res) == 0 && res) {
		*v = (uint32_t)res->p_proto;
		return true;
	}
	return false;
}

bool flt_is_keyword(const char *s)
{
	uint32_t v;
	if (LOOKUP(proto_kws, s, &v) || LOOKUP(arith_consts, s, &v))
		return true;
	for (size_t i = 0; i < sizeof(other_kws) / sizeof(other_kws[0]); i++)
		if (!strcmp(other_kws[i], s))
			return true;
	return false;
}

static int serv(const char *s, const char *proto)
{
	struct servent se, *res = NULL;
	char buf[1024];
	if (getservbyname_r(s, proto, &se, buf, sizeof(buf), &res) == 0 && res)
		return ntohs((uint16_t)res->s_port);
	return -1;
}

int flt_port(const char *s, int *proto)
{
	int t = serv(s, "tcp"), u = serv(s, "udp"), c = serv(s, "sctp");
	int port = t >= 0 ? t : u >= 0 ? u : c;
	if (port < 0)
		return -1;
	int n = (t >= 0) + (u >= 0) + (c >= 0);
	*proto = n > 1 ? 0 : t >= 0 ? 6 : u >= 0 ? 17 : 132;
	return port;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/*
 * MAC syntaxes libpcap accepts: six groups of 1-2 hex digits separated by
 * ':', '.' or '-' (one separator throughout), three groups of 4 hex
 * digits separated by '.', or 12 hex digits.
 */
bool flt_parse_mac(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) && !strchr(":.-", s[i]))
			return false;
	if (len == 12 && strspn(s, "0123456789abcdefABCDEF") == 12) {
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
		return true;
	}
	if (len == 14 && s[4] == '.' && s[9] == '.') {
		char h[13];
		memcpy(h, s, 4);
		memcpy(h + 4, s + 5, 4);
		memcpy(h + 8, s + 10, 4);
		h[12] = 0;
		return strspn(h, "0123456789abcdefABCDEF") == 12 && flt_parse_mac(h, mac);
	}
	char sep = 0;
	const char *p = s;
	for (int g = 0; g < 6; g++) {
		if (!isxdigit((unsigned char)p[0]))
			return false;
		unsigned v = (unsigned)hexval(*p++);
		if (isxdigit((unsigned char)*p))
			v = v << 4 | (unsigned)hexval(*p++);
		mac[g] = (uint8_t)v;
		if (g == 5)
			return *p == 0;
		if (!*p || !strchr(":.-", *p) || (sep && *p != sep))
			return false;
		sep = *p++;
	}
	return false;
}
