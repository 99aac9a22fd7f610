/* The tracer's internals, shared by the files of src/trace. */
#ifndef MOAT_TRACE_INTERNAL_H
#define MOAT_TRACE_INTERNAL_H

#include <moat/kernel.h>
#include <moat/trace.h>

#include "compile/probes/probes.h"
#include "util/cleanup.h"

/* The session's maps, in this order in map_fds[] and map_src[]. */
enum {
	TRACE_MAP_PIDS, TRACE_MAP_BITS, TRACE_MAP_START, TRACE_MAP_STATS, TRACE_MAP_HIST, TRACE_MAP_PENDING,
	TRACE_MAP_EVENTS, TRACE_NMAPS
};

struct moat_trace {
	enum moat_hook_kind hook;
	struct probe_cfg cfg;
	struct probe_maps maps;
	struct moat_map *map_src[TRACE_NMAPS]; /* moat's maps, matched to programs' tables */
	int map_fds[TRACE_NMAPS];              /* their kernel twins (-1: unused) */
	uint64_t *bits;                        /* the tgid bitmap, mapped (BPF_F_MMAPABLE) */
	struct moat_kprog *progs[6]; /* sys_enter, sys_exit, fork, exit, exec, connect */
	int links[6];
	bool sock_ok; /* the connect probe can read sockets (BTF offsets found, raw layout) */
	struct moat_kringbuf *rb;
	moat_trace_event_fn on_event;
	void *arg;
	const char *hist_name;
};

/* Decodes a ring-buffer record into a public event (event.c). */
void trace_event_decode(const struct probe_event *rec, struct moat_trace_event *ev);

/* Adds pid and every descendant alive now to the pids map and the bitmap
 * (tree.c). */
int trace_add_tree(struct moat_trace *t, pid_t pid, struct moat_error *err);
/* Forgets tracked processes that have gone without their exit being seen. */
void trace_prune(struct moat_trace *t);

#endif
