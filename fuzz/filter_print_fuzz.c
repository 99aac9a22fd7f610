/*
 * moat filter's packet-line decoder (src/cli/filter_print.c) on arbitrary
 * bytes: the first byte picks the link type, the second says how many
 * bytes the wire length adds; the rest is the captured packet.  The line
 * must come out whole and NUL-terminated at any buffer size, and the
 * length fp_format reports must be the line's; the JSON rendering must be
 * one balanced object; ASan catches any read outside the packet.  The
 * decoder lives in the CLI, so it is compiled in.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/filter_print.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = { DLT_EN10MB, DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL,
				    DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP, DLT_IEEE802_11, 12345 };
	if (size < 2)
		return 0;
	size_t caplen = size - 2;
	/* an exact-size copy, so ASan sees any read past the captured bytes */
	uint8_t *pkt = malloc(caplen ? caplen : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data + 2, caplen);
	struct fp_packet p = { .dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))],
			       .ts = { .tv_sec = (time_t)data[1] << 24, .tv_usec = data[1] },
			       .data = pkt, .caplen = caplen, .wirelen = caplen + data[1] };
	char big[1024], small[17];
	size_t n = fp_format(big, sizeof(big), &p);
	if (n >= sizeof(big) || strlen(big) != n)
		abort();
	size_t m = fp_format(small, sizeof(small), &p);
	if (m != n || strlen(small) != (n < sizeof(small) ? n : sizeof(small) - 1) ||
	    strncmp(small, big, strlen(small)))
		abort();
	struct sbuf b = { 0 };
	struct json j = { .out = &b };
	fp_json(&j, &p);
	const char *js = sbuf_str(&b);
	if (!b.oom && (js[0] != '{' || js[b.len - 1] != '}' || j.depth != 0))
		abort();
	sbuf_release(&b);
	free(pkt);
	return 0;
}
