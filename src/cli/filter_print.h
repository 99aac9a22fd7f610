/* moat filter: one terse line per packet (time, addresses, ports, protocol, length). */
#ifndef MOAT_CLI_FILTER_PRINT_H
#define MOAT_CLI_FILTER_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "util/json.h"

/* What the printer needs to know about one captured packet. */
struct fp_packet {
	int dlt;              /* libpcap link type (DLT_*) of the capture */
	struct timeval ts;    /* capture time */
	const uint8_t *data;  /* the captured bytes */
	size_t caplen;        /* bytes captured */
	size_t wirelen;       /* bytes on the wire */
};

/* The decoded headers: what a line shows. */
struct fp_info {
	unsigned vlan[4];
	int nvlan;
	const char *proto;     /* "TCP", "ARP", "ether", "802.3", a link-type name, ... */
	long proto_num;        /* IP protocol, ethertype or family the name stands for; -1 */
	char src[48], dst[48]; /* IP or MAC addresses; "" when none */
	int sport, dport;      /* -1 when none */
	int icmp_type, icmp_code;
	int arp_op;            /* ARP/RARP operation; -1 */
	char arp_mac[18];      /* the sender's MAC of an ARP reply */
	bool ipv6, frag, truncated;
};

/* Decodes the link, network and transport headers of p into *info.  Never
 * reads outside data[0, caplen). */
void fp_decode(const struct fp_packet *p, struct fp_info *info);

/*
 * Formats one line describing the packet into buf (always NUL-terminated,
 * truncated to len - 1 characters; no newline):
 *     12:04:05.123456 TCP 10.0.0.1:1234 > 10.0.0.2:80 len 74
 *     12:04:05.123456 vlan 7 UDP [2001:db8::1]:53 > [2001:db8::2]:5353 len 90
 *     12:04:05.123456 ARP who-has 10.0.0.2 tell 10.0.0.1 len 42
 * Times are UTC.  Headers cut short by the capture are printed as far as
 * they go and marked "[truncated]".  Returns the length the line would
 * have had, as snprintf does.
 */
size_t fp_format(char *buf, size_t len, const struct fp_packet *p);

/* Writes the packet as one JSON object: time, ts (seconds, as a string
 * with microseconds), len, caplen, vlan, proto, src, dst, sport, dport,
 * icmp_type, icmp_code, arp_op, is_at, frag, truncated (absent fields
 * are left out). */
void fp_json(struct json *j, const struct fp_packet *p);

#endif
