/*
 * Tracing hooks of the running kernel: attaching loaded programs to raw
 * tracepoints (BTF-typed or not) and to tracepoints, consuming a kernel ring
 * buffer, and finding out which hooks this kernel offers.  Every attachment
 * is a file descriptor: closing it detaches the program, so a process that
 * dies leaves nothing attached.
 */
#ifndef MOAT_KERNEL_ATTACH_H
#define MOAT_KERNEL_ATTACH_H

#include <moat/error.h>

/* How a tracing program reaches its hook, in the order moat prefers them. */
enum moat_hook_kind {
	MOAT_HOOK_TP_BTF,     /* BTF-typed raw tracepoint (BPF_TRACE_RAW_TP link) */
	MOAT_HOOK_RAW_TP,     /* raw tracepoint (bpf_raw_tracepoint_open) */
	MOAT_HOOK_TRACEPOINT, /* tracefs tracepoint (perf_event_open + PERF_EVENT_IOC_SET_BPF) */
	MOAT_HOOK_KIND_COUNT
};

/* "tp_btf", "raw_tp" or "tracepoint". */
MOAT_API const char *moat_hook_kind_name(enum moat_hook_kind kind);

/*
 * Attaches the loaded program `prog_fd` to the hook `name` ("sys_enter",
 * "sched_process_fork") for raw_tp and tp_btf, or "category:name"
 * ("raw_syscalls:sys_enter") for tracepoints.  Returns the attachment's fd
 * (the caller closes it to detach) or a negative errno: ENOENT when the
 * kernel has no such hook, EPERM without CAP_BPF/CAP_PERFMON, with a
 * sentence naming what is missing in err.
 */
MOAT_API int moat_attach_hook(enum moat_hook_kind kind, int prog_fd, const char *name,
			      struct moat_error *err);

/*
 * The tracefs id of tracepoint "category:name", read from
 * /sys/kernel/tracing/events (or the debugfs copy).  Returns the id or a
 * negative errno (ENOENT: tracefs not mounted or no such tracepoint).
 */
MOAT_API int moat_tracepoint_id(const char *category_name, struct moat_error *err);

/*
 * The byte offset of `field` in the records of tracepoint "category:name",
 * from its tracefs format file.  Returns 0 and *off, or a negative errno
 * (ENOENT: tracefs not mounted, no such tracepoint or field).
 */
MOAT_API int moat_tracepoint_field_offset(const char *category_name, const char *field,
					  uint32_t *off, struct moat_error *err);

/*
 * The byte offset of `member` in the kernel's `struct name`, from the
 * running kernel's BTF (/sys/kernel/btf/vmlinux); members of anonymous
 * structs and unions inside it count as its own (sock_common.skc_dport).  Returns 0 and *off, or
 * -ENOENT (no BTF, no such struct or member; err says which).
 */
MOAT_API int moat_kernel_struct_offset(const char *name, const char *member, uint32_t *off,
				       struct moat_error *err);

/*
 * The BTF id of the kernel's tp_btf hook for raw tracepoint `name`
 * (the typedef btf_trace_<name>).  Returns the id (> 0) or a negative errno.
 */
MOAT_API int moat_kernel_tp_btf_id(const char *name, struct moat_error *err);

/*
 * Finds out whether hooks of `kind` work here the only reliable way: loads a
 * tiny counting program (built and verified by moat) on sys_enter through
 * that kind of hook, makes a system call, and checks that the counter moved.
 * Everything is detached and unloaded before it returns.  Returns 0 when the
 * hook fired, else a negative errno with one sentence naming what is missing
 * (no BTF, tracefs not mounted, the kernel refused the program...).
 */
MOAT_API int moat_kernel_probe_hook(enum moat_hook_kind kind, struct moat_error *err);

/* A consumer of a kernel BPF ring buffer map. */
struct moat_kringbuf;

/* Called for each record, in order; a non-zero return stops the poll. */
typedef int (*moat_kringbuf_fn)(void *arg, const void *data, size_t len);

/*
 * Maps the ring buffer `map_fd` (a BPF_MAP_TYPE_RINGBUF; the fd stays the
 * caller's) and calls fn for its records.  Returns NULL on error; free with
 * moat_kringbuf_free().
 */
MOAT_API struct moat_kringbuf *moat_kringbuf_new(int map_fd, moat_kringbuf_fn fn, void *arg,
						 struct moat_error *err);

/*
 * Waits up to timeout_ms (0: do not wait, -1: forever) for records and
 * consumes all that are ready.  Returns the number consumed or a negative
 * errno (EINTR when a signal arrived: not an error for callers that stop on
 * signals).
 */
MOAT_API int moat_kringbuf_poll(struct moat_kringbuf *rb, int timeout_ms, struct moat_error *err);

/* Unmaps the ring buffer.  NULL is allowed. */
MOAT_API void moat_kringbuf_free(struct moat_kringbuf *rb);

/*
 * Counts the BPF programs and links loaded in the kernel right now (by
 * walking their ids with bpf(2)), so callers and tests can check that
 * nothing is left behind.  Returns 0 or a negative errno.
 */
MOAT_API int moat_kernel_count_objects(uint32_t *progs, uint32_t *links, struct moat_error *err);

#endif
