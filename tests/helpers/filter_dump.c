/*
 * filter_dump: the golden-file driver of the filter compiler
 * (tests/integration/filter_golden.sh).
 *
 *     filter_dump [-l LINKTYPE] [-s SNAPLEN] [-m NETMASK] [-O] EXPRESSION
 *
 * Prints the tcpdump -d listing of the compiled classic program (-O turns
 * the optimizer off, as tcpdump's -O does), or, when the expression is
 * refused, "error: COL: MESSAGE" and the expression with a caret under the
 * column.  Exit status: 0 compiled, 1 refused, 2 usage.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat/moat.h>
#include <moat/filter.h>

int main(int argc, char **argv)
{
	struct moat_error err;
	int linktype = MOAT_DLT_EN10MB, c;
	uint32_t snaplen = 0, netmask = MOAT_FILTER_NETMASK_UNKNOWN;
	bool optimize = true;
	while ((c = getopt(argc, argv, "l:s:m:O")) != -1) {
		switch (c) {
		case 'l':
			if (moat_filter_linktype_parse(optarg, &linktype, &err) < 0) {
				fprintf(stderr, "filter_dump: %s\n", err.msg);
				return 2;
			}
			break;
		case 's': snaplen = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'm': {
			struct in_addr a;
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return 2;
			netmask = ntohl(a.s_addr);
			break;
		}
		case 'O': optimize = false; break;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: filter_dump [-l LINKTYPE] [-s SNAPLEN] [-m NETMASK] [-O] EXPR\n");
		return 2;
	}
	const char *expr = argv[optind];
	MOAT_OPTS(moat_filter_opts, o, .linktype = linktype, .snaplen = snaplen, .netmask = netmask,
		  .optimize = optimize);
	struct moat_filter *f = moat_filter_compile(expr, &o, &err);
	if (!f) {
		printf("error: %d: %s\n", err.col, err.msg);
		if (err.col > 0)
			printf("%s\n%*s^\n", expr, err.col - 1, "");
		return 1;
	}
	char *l = moat_filter_listing(f);
	fputs(l ? l : "", stdout);
	free(l);
	moat_filter_free(f);
	return 0;
}
