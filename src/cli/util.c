/* Shared CLI plumbing: error printing, usage, file reading, dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_fail(const char *what, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "moat: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int cli_fail_err(const char *what, const struct moat_error *err)
{
	char buf[1200];
	return cli_fail(what, "%s", moat_error_str(err, buf, sizeof(buf)));
}

int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "moat: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	const char *u = cmd->usage ? cmd->usage : "";
	const char *nl = strchr(u, '\n');
	fprintf(stderr, "%.*s\nTry 'moat help %s' for more.\n", nl ? (int)(nl - u) : (int)strlen(u), u,
		cmd->name);
	return EXIT_USAGE;
}

bool cli_wants_help(const struct cli_cmd *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(cmd->usage, stdout);
			return true;
		}
	}
	return false;
}

char *cli_read_file(const char *path, size_t *len, struct moat_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		moat_error_set(err, errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n + 1 < cap)
			break;
		char *nb = realloc(buf, cap *= 2);
		if (!nb) {
			free(buf);
			buf = NULL;
		}
		buf = nb;
	}
	bool bad = !buf || ferror(f);
	int e = errno;
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(buf);
		moat_error_set(err, buf ? e : ENOMEM, "%s: cannot read: %s", path,
			       strerror(buf ? e : ENOMEM));
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

int cli_dispatch(const char *prefix, const struct cli_cmd *table, int argc, char **argv)
{
	if (argc < 1)
		return EXIT_USAGE;
	for (const struct cli_cmd *c = table; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->run(argc, argv);
	fprintf(stderr, "moat: %sunknown command '%s'\nTry 'moat help%s%.*s'.\n", prefix, argv[0],
		*prefix ? " " : "", *prefix ? (int)strlen(prefix) - 2 : 0, prefix);
	return EXIT_USAGE;
}

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || x > max)
		return false;
	*v = x;
	return true;
}

bool cli_parse_seconds(const char *s, double *v)
{
	char *end;
	double x = strtod(s, &end);
	if (end == s || *end || !(x > 0) || x > 1e7)
		return false;
	*v = x;
	return true;
}

static void note_stderr(void *arg, const char *text, size_t len)
{
	fprintf(stderr, "moat: %s: note: %.*s\n", (const char *)arg, (int)len, text);
}

struct moat_sink cli_notes(const char *what)
{
	return (struct moat_sink){ note_stderr, (void *)what };
}
