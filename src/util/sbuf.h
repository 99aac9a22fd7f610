/* Growable string buffer.  On allocation failure it stops growing and sets oom. */
#ifndef MOAT_UTIL_SBUF_H
#define MOAT_UTIL_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char *s;    /* NUL-terminated; NULL until the first write */
	size_t len;
	size_t cap;
	bool oom;
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void sbuf_put(struct sbuf *b, const char *s, size_t n);
void sbuf_putc(struct sbuf *b, char c);
/* Returns the string ("" when empty); stays owned by b. */
const char *sbuf_str(const struct sbuf *b);
/* Hands the string to the caller (malloc'd, never NULL unless oom) and resets b. */
char *sbuf_take(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_release(struct sbuf *b);

#endif
