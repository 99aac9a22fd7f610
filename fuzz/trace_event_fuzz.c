/*
 * Fuzz target for the tracer's decoders: the first bytes are a ring-buffer
 * record (struct probe_event, any content: the kernel side is trusted but
 * the decoder must not be) decoded and written as text and JSON; the rest
 * is a tracepoint format file searched for a field, as features.c does.
 * Decoding must not crash or overrun, and the writers must produce one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/trace.h>

#include "kernel/attach_internal.h"
#include "trace/trace_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_lines(void *arg, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		*(int *)arg += text[i] == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_event r = { 0 };
	size_t n = size < sizeof(r) ? size : sizeof(r);
	memcpy(&r, data, n);
	struct moat_trace_event ev;
	trace_event_decode(&r, &ev);
	if (strnlen(ev.detail, sizeof(ev.detail)) == sizeof(ev.detail) ||
	    strnlen(ev.comm, sizeof(ev.comm)) == sizeof(ev.comm))
		abort();
	for (int fmt = MOAT_TRACE_TEXT; fmt <= MOAT_TRACE_JSON; fmt++) {
		int lines = 0;
		struct moat_sink sink = { count_lines, &lines };
		moat_trace_event_write(&ev, (enum moat_trace_format)fmt, &sink);
		if (lines < 1)
			abort();
	}
	if (size > n) {
		FILE *f = fmemopen((void *)(data + n), size - n, "r");
		uint32_t off = 0;
		if (f) {
			if (kernel_tp_format_offset(f, "child_pid", &off) == 0 && off > 65535)
				abort();
			fclose(f);
		}
	}
	return 0;
}
