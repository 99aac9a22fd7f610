/*
 * pcap_ref: libpcap as the reference for tests/integration/filter_cli.sh.
 *
 *   pcap_ref count EXPR FILE      "MATCHED TOTAL": libpcap's own compiler and
 *                                 pcap_offline_filter over FILE
 *   pcap_ref extract EXPR FILE OUT  write the packets libpcap matches to OUT
 *                                 with pcap_dump (what moat filter -w must write)
 *   pcap_ref image LEVEL          read a classic program in tcpdump -ddd form
 *                                 on stdin and print it with libpcap's
 *                                 bpf_dump(LEVEL): 1 = -d, 2 = -dd, 3 = -ddd
 *
 * Exit status: 0 done, 1 libpcap refused, 2 usage.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pcap_t *open_file(const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, ebuf);
	if (!p)
		fprintf(stderr, "pcap_ref: %s: %s\n", path, ebuf);
	return p;
}

static int filter(const char *expr, const char *path, const char *out)
{
	pcap_t *p = open_file(path);
	if (!p)
		return 1;
	struct bpf_program bp;
	if (pcap_compile(p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "pcap_ref: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_dumper_t *d = out ? pcap_dump_open(p, out) : NULL;
	if (out && !d) {
		fprintf(stderr, "pcap_ref: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long total = 0, matched = 0;
	while (pcap_next_ex(p, &h, &data) == 1) {
		total++;
		if (pcap_offline_filter(&bp, h, data)) {
			matched++;
			if (d)
				pcap_dump((u_char *)d, h, data);
		}
	}
	if (d)
		pcap_dump_close(d);
	else
		printf("%lu %lu\n", matched, total);
	pcap_freecode(&bp);
	pcap_close(p);
	return 0;
}

static int image(int level)
{
	unsigned n;
	if (scanf("%u", &n) != 1 || n == 0 || n > 4096) {
		fprintf(stderr, "pcap_ref: no instruction count on stdin\n");
		return 1;
	}
	struct bpf_insn *in = calloc(n, sizeof(*in));
	if (!in)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		unsigned code, jt, jf, k;
		if (scanf("%u %u %u %u", &code, &jt, &jf, &k) != 4) {
			fprintf(stderr, "pcap_ref: instruction %u unreadable\n", i);
			free(in);
			return 1;
		}
		in[i] = (struct bpf_insn){ (u_short)code, (u_char)jt, (u_char)jf, k };
	}
	struct bpf_program bp = { .bf_len = n, .bf_insns = in };
	bpf_dump(&bp, level);
	free(in);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "count"))
		return filter(argv[2], argv[3], NULL);
	if (argc == 5 && !strcmp(argv[1], "extract"))
		return filter(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "image"))
		return image(atoi(argv[2]));
	fprintf(stderr, "usage: pcap_ref count EXPR FILE | extract EXPR FILE OUT | image LEVEL\n");
	return 2;
}
