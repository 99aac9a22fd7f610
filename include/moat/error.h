/*
 * The error object: every fallible function takes `struct moat_error *err`
 * last.  It receives an errno, a message, and where the problem is: a file
 * position (file, line, column) or an instruction index.  Outer layers add
 * context in front of the message with moat_error_prefix().
 */
#ifndef MOAT_ERROR_H
#define MOAT_ERROR_H

#include <moat/common.h>

struct moat_error {
	int errnum;     /* positive errno value; 0 when no error was recorded */
	int line;       /* 1-based source line, 0 when unknown */
	int col;        /* 1-based source column, 0 when unknown */
	long insn;      /* instruction index, -1 when not about an instruction */
	char file[256]; /* source file name, "" when unknown */
	char msg[768];  /* the message, without location */
};

/* Resets err to "no error" (insn = -1).  err may be NULL. */
MOAT_API void moat_error_clear(struct moat_error *err);

/*
 * Records an error and returns -errnum (or -EINVAL when errnum is 0), so
 * callers can write `return moat_error_set(err, EINVAL, "bad %s", x);`.
 * err may be NULL, in which case only the return value is produced.
 */
MOAT_API int moat_error_set(struct moat_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As moat_error_set, with a source position (file may be NULL). */
MOAT_API int moat_error_at(struct moat_error *err, int errnum, const char *file, int line,
			   int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* As moat_error_set, about instruction index `insn`. */
MOAT_API int moat_error_insn(struct moat_error *err, int errnum, long insn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Puts "context: " in front of the recorded message.  No-op if err is NULL. */
MOAT_API void moat_error_prefix(struct moat_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Formats the error as one line into buf: "file:line:col: msg",
 * "insn N: msg" or "msg".  Returns buf.
 */
MOAT_API const char *moat_error_str(const struct moat_error *err, char *buf, size_t len);

#endif
