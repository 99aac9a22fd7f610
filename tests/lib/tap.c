#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int n_tests, n_failed;

__attribute__((format(printf, 4, 0))) static bool report(bool cond, const char *file, int line, const char *fmt, va_list ap)
{
	n_tests++;
	printf("%sok %d - ", cond ? "" : "not ", n_tests);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond) {
		n_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

bool tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = report(cond, file, line, fmt, ap);
	va_end(ap);
	return r;
}

bool tap_is_u64(uint64_t got, uint64_t want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = report(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got 0x%" PRIx64 " (%" PRId64 "), want 0x%" PRIx64 " (%" PRId64 ")\n", got,
		       (int64_t)got, want, (int64_t)want);
	return r;
}

bool tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt,
		...)
{
	va_list ap;
	va_start(ap, fmt);
	bool same = got && want && !strcmp(got, want);
	bool r = report(same, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got  '%s'\n#   want '%s'\n", got ? got : "(null)", want ? want : "(null)");
	return r;
}

void tap_skip(const char *why, const char *file, int line)
{
	const char *must = getenv("MOAT_MUST_WORK");
	if (must && !strcmp(must, "1")) {
		tap_ok(false, file, line, "skipped, but MOAT_MUST_WORK=1: %s", why);
		return;
	}
	n_tests++;
	printf("ok %d # SKIP %s\n", n_tests, why);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

int tap_done(void)
{
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
