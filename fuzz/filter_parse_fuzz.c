/*
 * The pcap-filter front end on arbitrary text: lexer, parser and code
 * generation, over every supported link type (the first byte picks it).
 * It aborts when compilation succeeds without a program, fails without a
 * message, or reports a column outside the expression; the sanitizers
 * catch the rest.
 */
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>
#include <moat/filter.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = { MOAT_DLT_EN10MB, MOAT_DLT_RAW, MOAT_DLT_LINUX_SLL,
			    MOAT_DLT_LINUX_SLL2, MOAT_DLT_NULL, MOAT_DLT_LOOP, MOAT_DLT_IPV4,
			    MOAT_DLT_IPV6 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 2048)
		return 0;
	char *expr = malloc(size);
	if (!expr)
		return 0;
	memcpy(expr, data + 1, size - 1);
	expr[size - 1] = 0;
	struct moat_error err;
	MOAT_OPTS(moat_filter_opts, o, .linktype = dlts[data[0] % 8], .optimize = (data[0] & 8) != 0,
		  .netmask = (data[0] & 16) ? 0xffffff00u : MOAT_FILTER_NETMASK_UNKNOWN);
	struct moat_filter *f = moat_filter_compile(expr, &o, &err);
	size_t n = 0;
	if (f && (!moat_filter_cbpf(f, &n) || n == 0))
		abort();
	if (!f && (!err.msg[0] || err.col < 0 || (size_t)err.col > strlen(expr) + 1))
		abort();
	moat_filter_free(f);
	free(expr);
	return 0;
}
