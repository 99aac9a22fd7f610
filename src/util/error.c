/* The error object (include/moat/error.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <moat/error.h>

void moat_error_clear(struct moat_error *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	err->insn = -1;
}

__attribute__((format(printf, 3, 0))) static int record(struct moat_error *err, int errnum, const char *fmt, va_list ap)
{
	if (errnum <= 0)
		errnum = EINVAL;
	if (err) {
		err->errnum = errnum;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return -errnum;
}

int moat_error_set(struct moat_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	moat_error_clear(err);
	int r = record(err, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int moat_error_at(struct moat_error *err, int errnum, const char *file, int line, int col,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	moat_error_clear(err);
	int r = record(err, errnum, fmt, ap);
	va_end(ap);
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
		err->line = line;
		err->col = col;
	}
	return r;
}

int moat_error_insn(struct moat_error *err, int errnum, long insn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	moat_error_clear(err);
	int r = record(err, errnum, fmt, ap);
	va_end(ap);
	if (err)
		err->insn = insn;
	return r;
}

void moat_error_prefix(struct moat_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	char pre[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre) - 2, fmt, ap);
	va_end(ap);
	strcat(pre, ": ");
	/* Shift the message right and put the context in front; the tail is
	 * truncated when the whole no longer fits. */
	size_t pl = strlen(pre), cap = sizeof(err->msg) - 1;
	size_t ml = strnlen(err->msg, cap);
	if (ml > cap - pl)
		ml = cap - pl;
	memmove(err->msg + pl, err->msg, ml);
	memcpy(err->msg, pre, pl);
	err->msg[pl + ml] = 0;
}

const char *moat_error_str(const struct moat_error *err, char *buf, size_t len)
{
	if (!err || !len)
		return "";
	if (err->file[0] && err->line)
		snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
	else if (err->file[0])
		snprintf(buf, len, "%s: %s", err->file, err->msg);
	else if (err->insn >= 0)
		snprintf(buf, len, "insn %ld: %s", err->insn, err->msg);
	else
		snprintf(buf, len, "%s", err->msg[0] ? err->msg : strerror(err->errnum));
	return buf;
}

const char *moat_version(void)
{
	return MOAT_VERSION;
}
