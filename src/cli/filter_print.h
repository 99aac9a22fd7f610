/* moat filter: one terse text line per packet (time, addresses, ports, protocol, length). */
#ifndef MOAT_CLI_FILTER_PRINT_H
#define MOAT_CLI_FILTER_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* What the printer needs to know about one captured packet. */
struct fp_packet {
	int dlt;              /* libpcap link type (DLT_*) of the capture */
	struct timeval ts;    /* capture time; tv_usec may hold nanoseconds (see nsec) */
	int nsec;             /* true when ts.tv_usec counts nanoseconds */
	const uint8_t *data;  /* the captured bytes */
	size_t caplen;        /* bytes captured */
	size_t wirelen;       /* bytes on the wire */
};

/*
 * Formats one line describing the packet into buf (always NUL-terminated,
 * truncated to len - 1 characters; no newline):
 *     12:04:05.123456 TCP 10.0.0.1:1234 > 10.0.0.2:80 len 74
 *     12:04:05.123456 vlan 7 UDP [2001:db8::1]:53 > [2001:db8::2]:5353 len 90
 *     12:04:05.123456 ARP 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff len 42
 * Times are UTC.  Headers cut short by the capture are printed as far as
 * they go and marked "[truncated]".  Never reads outside data[0, caplen).
 * Returns the length the line would have had, as snprintf does.
 */
size_t fp_format(char *buf, size_t len, const struct fp_packet *p);

#endif
