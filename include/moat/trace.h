/*
 * The tracer: what a process tree or a cgroup does in system calls.  moat
 * builds the probe programs with its instruction builder, verifies them, and
 * loads them on the kernel's syscall and scheduler tracepoints; filtering
 * happens in the kernel (a map of tracked processes, or one cgroup id), so
 * other processes pay almost nothing.  Counts and latencies accumulate in
 * per-CPU maps; events (exec, open, connect, signal, exit) stream through a
 * ring buffer.
 *
 *     MOAT_OPTS(moat_trace_opts, o, .cgroup = "/sys/fs/cgroup/unified/box");
 *     struct moat_trace *t = moat_trace_new(&o, &err);
 *     ... the workload runs; call moat_trace_poll() for events ...
 *     struct moat_trace_summary s;
 *     moat_trace_summary_get(t, &s, &err);
 *     moat_trace_summary_write(&s, MOAT_TRACE_TEXT, &sink);
 *     moat_trace_summary_release(&s);
 *     moat_trace_free(t);
 */
#ifndef MOAT_TRACE_H
#define MOAT_TRACE_H

#include <sys/types.h>

#include <moat/error.h>
#include <moat/kernel_attach.h>

/* Event kinds; opts.events is a mask of 1u << kind. */
enum moat_trace_event_kind {
	MOAT_TRACE_EV_EXEC = 1,    /* execve, execveat */
	MOAT_TRACE_EV_OPEN = 2,    /* open, openat, openat2, creat */
	MOAT_TRACE_EV_CONNECT = 3, /* connect */
	MOAT_TRACE_EV_SIGNAL = 4,  /* kill, tkill, tgkill */
	MOAT_TRACE_EV_EXIT = 5,    /* a process (thread group) ended */
};
#define MOAT_TRACE_EV_MASK(k) (1u << (k))

/* Name of an event kind ("exec", ...); parses one with _parse (-EINVAL). */
MOAT_API const char *moat_trace_event_name(enum moat_trace_event_kind kind);
MOAT_API int moat_trace_event_parse(const char *name, enum moat_trace_event_kind *kind,
				    struct moat_error *err);

/* One decoded event, valid during the callback only. */
struct moat_trace_event {
	enum moat_trace_event_kind kind;
	uint64_t ts_ns;      /* CLOCK_MONOTONIC at the syscall's entry (exit: at exit) */
	uint32_t pid, tid;   /* thread group id, thread id */
	int nr;              /* syscall number; -1 for exit */
	const char *syscall; /* its name, "" for exit */
	int64_t ret;         /* return value (negative errno); exit: the wait status */
	uint64_t args[4];    /* first four syscall arguments, raw */
	char comm[17];
	char detail[400];    /* decoded arguments: "\"/etc/passwd\" O_RDONLY|O_CLOEXEC",
			      * "127.0.0.1:8080", "pid 42 SIGTERM", "exited 3" */
};

typedef void (*moat_trace_event_fn)(void *arg, const struct moat_trace_event *ev);

struct moat_trace_opts {
	size_t sz;
	/* Scope: the process trees of these pids (descendants already alive
	 * and those created later), or the processes of one cgroup v2
	 * directory; with neither, add processes with moat_trace_add_pid(). */
	const pid_t *pids;
	size_t n_pids;
	const char *cgroup;
	const char *hist_syscall; /* keep a log2 latency histogram of this syscall */
	uint32_t events;          /* MOAT_TRACE_EV_MASK() of the events to stream */
	moat_trace_event_fn on_event;
	void *arg;
	/* Hook kind to use; MOAT_HOOK_KIND_COUNT (or 0 with force_hook false)
	 * means the first that works here: tp_btf, then raw_tp, then tracepoint. */
	bool force_hook;
	enum moat_hook_kind hook;
};

struct moat_trace;

/*
 * Builds, verifies, loads and attaches the probes; tracing has started when
 * it returns.  Errors (one sentence each): EINVAL unknown syscall name or
 * bad options, ESRCH no such process, ENOENT no such cgroup or kernel
 * feature, EPERM not root, and the kernel's or moat's refusal of a program.
 * Returns NULL on error; free with moat_trace_free().
 */
MOAT_API struct moat_trace *moat_trace_new(const struct moat_trace_opts *opts,
					   struct moat_error *err);

/* Detaches and unloads everything.  NULL is allowed. */
MOAT_API void moat_trace_free(struct moat_trace *t);

/* Adds process `pid` (pid scope) to the traced tree.  -ESRCH if it does not exist. */
MOAT_API int moat_trace_add_pid(struct moat_trace *t, pid_t pid, struct moat_error *err);

/* The hook kind in use. */
MOAT_API enum moat_hook_kind moat_trace_hook(const struct moat_trace *t);

/*
 * Delivers pending events to opts.on_event, waiting up to timeout_ms for the
 * first.  Returns the number delivered or a negative errno (-EINTR when a
 * signal interrupted the wait).
 */
MOAT_API int moat_trace_poll(struct moat_trace *t, int timeout_ms, struct moat_error *err);

/* Pid scope: true once no traced process is alive any more. */
MOAT_API bool moat_trace_done(struct moat_trace *t);

/* One syscall's totals over all CPUs. */
struct moat_trace_row {
	int nr;
	const char *name; /* static storage; "syscall_N" names are kept in `buf` */
	char buf[24];
	uint64_t count, errors, total_ns, max_ns;
};

#define MOAT_TRACE_HIST_SLOTS 65 /* slot 0: 0 ns; slot k: [2^(k-1), 2^k) ns */

struct moat_trace_summary {
	struct moat_trace_row *rows; /* by total time, largest first */
	size_t n_rows;
	uint64_t calls, errors, total_ns;
	const char *hist_syscall;    /* NULL without a histogram */
	uint64_t hist[MOAT_TRACE_HIST_SLOTS];
	enum moat_hook_kind hook;
};

/* Reads the counters so far.  Release with moat_trace_summary_release(). */
MOAT_API int moat_trace_summary_get(struct moat_trace *t, struct moat_trace_summary *s,
				    struct moat_error *err);
MOAT_API void moat_trace_summary_release(struct moat_trace_summary *s);

/* Output formats of the writers below. */
enum moat_trace_format { MOAT_TRACE_TEXT, MOAT_TRACE_JSON };

/*
 * Writes the summary to `out`: text is strace -c's table (% time, seconds,
 * usecs/call, max usecs, calls, errors, syscall) followed by the histogram
 * (bpftrace's @usecs layout) when there is one; JSON is one object.
 */
MOAT_API void moat_trace_summary_write(const struct moat_trace_summary *s,
				       enum moat_trace_format fmt, const struct moat_sink *out);

/* Writes one event as a line: text (time, pid, comm, event, syscall, detail,
 * return) or a JSON object. */
MOAT_API void moat_trace_event_write(const struct moat_trace_event *ev,
				     enum moat_trace_format fmt, const struct moat_sink *out);

#endif
