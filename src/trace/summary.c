/*
 * The summary: per-CPU counters summed over CPUs, sorted like strace -c
 * (by time spent), and written as strace's table and bpftrace's histogram,
 * or as JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <moat/syscalls.h>

#include "trace/trace_internal.h"
#include "util/json.h"

static int by_time(const void *a, const void *b)
{
	const struct moat_trace_row *x = a, *y = b;
	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->nr - y->nr;
}

static int read_stats(struct moat_trace *t, struct moat_trace_summary *s, int ncpu,
		      struct moat_error *err)
{
	MOAT_AUTO(free) struct probe_stat *v = calloc((size_t)ncpu, sizeof(*v));
	s->rows = calloc(PROBE_MAX_SYSCALLS, sizeof(*s->rows));
	if (!v || !s->rows)
		return moat_error_set(err, ENOMEM, "out of memory");
	for (uint32_t nr = 0; nr < PROBE_MAX_SYSCALLS; nr++) {
		if (bpf_map_lookup_elem(t->map_fds[TRACE_MAP_STATS], &nr, v) < 0)
			return moat_error_set(err, errno, "reading the syscall counters: %s",
					      strerror(errno));
		struct moat_trace_row r = { .nr = (int)nr };
		for (int c = 0; c < ncpu; c++) {
			r.count += v[c].count;
			r.errors += v[c].errors;
			r.total_ns += v[c].total_ns;
			if (v[c].max_ns > r.max_ns)
				r.max_ns = v[c].max_ns;
		}
		if (!r.count)
			continue;
		struct moat_trace_row *row = &s->rows[s->n_rows++];
		*row = r;
		row->name = moat_syscall_name((int)nr);
		s->calls += r.count;
		s->errors += r.errors;
		s->total_ns += r.total_ns;
	}
	qsort(s->rows, s->n_rows, sizeof(*s->rows), by_time);
	/* names after sorting: the fallback name points into the row itself */
	for (size_t i = 0; i < s->n_rows; i++)
		if (!s->rows[i].name) {
			snprintf(s->rows[i].buf, sizeof(s->rows[i].buf), "syscall_%d", s->rows[i].nr);
			s->rows[i].name = s->rows[i].buf;
		}
	return 0;
}

static int read_hist(struct moat_trace *t, struct moat_trace_summary *s, int ncpu,
		     struct moat_error *err)
{
	MOAT_AUTO(free) uint64_t *v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return moat_error_set(err, ENOMEM, "out of memory");
	s->hist_syscall = t->hist_name;
	for (uint32_t k = 0; k < PROBE_HIST_SLOTS; k++) {
		if (bpf_map_lookup_elem(t->map_fds[TRACE_MAP_HIST], &k, v) < 0)
			return moat_error_set(err, errno, "reading the histogram: %s", strerror(errno));
		for (int c = 0; c < ncpu; c++)
			s->hist[k] += v[c];
	}
	return 0;
}

int moat_trace_summary_get(struct moat_trace *t, struct moat_trace_summary *s,
			   struct moat_error *err)
{
	memset(s, 0, sizeof(*s));
	s->hook = t->hook;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return moat_error_set(err, -ncpu, "cannot count the possible CPUs");
	if (read_stats(t, s, ncpu, err) < 0 || (t->hist_name && read_hist(t, s, ncpu, err) < 0)) {
		moat_trace_summary_release(s);
		return -err->errnum;
	}
	return 0;
}

void moat_trace_summary_release(struct moat_trace_summary *s)
{
	free(s->rows);
	s->rows = NULL;
	s->n_rows = 0;
}

/* bpftrace's bucket bounds: 1, 2, ..., 512, 1K, 2K, ..., 1M. */
static void bound(uint64_t v, char *out, size_t len)
{
	static const char units[] = " KMGTPE";
	int u = 0;
	while (v >= 1024 && v % 1024 == 0 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, u ? "%llu%c" : "%llu", (unsigned long long)v, units[u]);
}

static void write_hist(const struct moat_trace_summary *s, struct sbuf *b)
{
	int lo = -1, hi = -1;
	uint64_t max = 0;
	for (int k = 0; k < MOAT_TRACE_HIST_SLOTS; k++)
		if (s->hist[k]) {
			lo = lo < 0 ? k : lo;
			hi = k;
			max = s->hist[k] > max ? s->hist[k] : max;
		}
	sbuf_printf(b, "\n@ns[%s]:\n", s->hist_syscall);
	for (int k = lo; k >= 0 && k <= hi; k++) {
		char range[48], a[16], c[16];
		if (k == 0) {
			snprintf(range, sizeof(range), "[0]");
		} else if (k == 1) {
			snprintf(range, sizeof(range), "[1]");
		} else {
			bound(1ull << (k - 1), a, sizeof(a));
			bound(k < 64 ? 1ull << k : 0, c, sizeof(c));
			snprintf(range, sizeof(range), "[%s, %s)", a, k < 64 ? c : "...");
		}
		int bar = (int)(s->hist[k] * 52 / max);
		sbuf_printf(b, "%-20s %8llu |%.*s%*s|\n", range, (unsigned long long)s->hist[k], bar,
			    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", 52 - bar, "");
	}
}

static void write_text(const struct moat_trace_summary *s, struct sbuf *b)
{
	static const char rule[] = "------ ----------- ----------- ----------- --------- --------- "
				   "----------------\n";
	sbuf_printf(b, "%% time     seconds  usecs/call   max usecs     calls    errors syscall\n%s",
		    rule);
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct moat_trace_row *r = &s->rows[i];
		double pct = s->total_ns ? 100.0 * (double)r->total_ns / (double)s->total_ns : 0;
		sbuf_printf(b, "%6.2f %11.6f %11llu %11llu %9llu ", pct, (double)r->total_ns / 1e9,
			    (unsigned long long)(r->total_ns / r->count / 1000),
			    (unsigned long long)(r->max_ns / 1000), (unsigned long long)r->count);
		if (r->errors)
			sbuf_printf(b, "%9llu %s\n", (unsigned long long)r->errors, r->name);
		else
			sbuf_printf(b, "%9s %s\n", "", r->name);
	}
	sbuf_printf(b, "%s%6.2f %11.6f %11llu %11s %9llu %9llu total\n", rule, s->n_rows ? 100.0 : 0.0,
		    (double)s->total_ns / 1e9,
		    (unsigned long long)(s->calls ? s->total_ns / s->calls / 1000 : 0), "",
		    (unsigned long long)s->calls, (unsigned long long)s->errors);
	if (s->hist_syscall)
		write_hist(s, b);
}

static void write_json(const struct moat_trace_summary *s, struct sbuf *b)
{
	struct json j = { .out = b };
	json_obj(&j);
	json_kstr(&j, "hook", moat_hook_kind_name(s->hook));
	json_kuint(&j, "calls", s->calls);
	json_kuint(&j, "errors", s->errors);
	json_kuint(&j, "total_ns", s->total_ns);
	json_key(&j, "syscalls");
	json_arr(&j);
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct moat_trace_row *r = &s->rows[i];
		json_obj(&j);
		json_kstr(&j, "name", r->name);
		json_kint(&j, "nr", r->nr);
		json_kuint(&j, "calls", r->count);
		json_kuint(&j, "errors", r->errors);
		json_kuint(&j, "total_ns", r->total_ns);
		json_kuint(&j, "avg_ns", r->total_ns / r->count);
		json_kuint(&j, "max_ns", r->max_ns);
		json_end(&j);
	}
	json_end(&j);
	if (s->hist_syscall) {
		json_key(&j, "hist");
		json_obj(&j);
		json_kstr(&j, "syscall", s->hist_syscall);
		json_key(&j, "log2_ns");
		json_arr(&j);
		for (int k = 0; k < MOAT_TRACE_HIST_SLOTS; k++)
			json_uint(&j, s->hist[k]);
		json_end(&j);
		json_end(&j);
	}
	json_end(&j);
	sbuf_putc(b, '\n');
}

void moat_trace_summary_write(const struct moat_trace_summary *s, enum moat_trace_format fmt,
			      const struct moat_sink *out)
{
	struct sbuf b = { 0 };
	if (fmt == MOAT_TRACE_JSON)
		write_json(s, &b);
	else
		write_text(s, &b);
	if (!b.oom && b.len)
		out->write(out->arg, sbuf_str(&b), b.len);
	sbuf_release(&b);
}
