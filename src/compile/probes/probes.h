/*
 * The tracer's probe programs, emitted through moat's instruction builder:
 *
 *   sys_enter   start[tid] = {now, nr} for traced threads (a traced thread's
 *               entry doubles as its scope check); for event syscalls, the
 *               decoded arguments (path, sockaddr, flags, comm) into pending[tid]
 *   sys_exit    latency from start[tid] (absent: not traced); per-CPU stats[nr]
 *               (count, errors, total, max) and hist[log2(latency)] for one
 *               syscall; events: pending[tid] + return value -> ring buffer
 *   fork        (pid scope) the new task's tgid joins pids[]
 *   exit        forgets start[tid] (any task); a leaving traced thread-group leader leaves
 *               pids[] and, with exit events, reports its exit code
 *   connect     (raw layout) inet_sock_set_state to SYN_SENT: the kernel's local
 *               address and port join the pending connect event
 *   exec        (raw layout) a successful exec's event from sched_process_exec: the
 *               kernel's file name and the pid after exec; sys_exit then reports
 *               only failed execs
 *
 * Scope: pid scope keeps the tracked tgids in a hash (the truth, for
 * "is anyone left?") and mirrors them in a bitmap, an array map the kernel
 * reads without a helper call; cgroup scope compares one cgroup v2 id (or
 * the task's ancestor at the traced cgroup's level, so descendant cgroups
 * count).  Every other task pays bpf_get_current_pid_tgid() and one inlined
 * bit test (pid scope) or one cgroup-id helper and a compare per hook.
 *
 * Two context layouts are supported, chosen by the hook kind that works on
 * the running kernel: raw tracepoints (tp_btf and raw_tp: u64 args[],
 * sys_enter's args[0] is the struct pt_regs pointer) and tracefs tracepoints
 * (raw_syscalls records: id at 8, args[6] or ret at 16).
 */
#ifndef MOAT_COMPILE_PROBES_H
#define MOAT_COMPILE_PROBES_H

#include <moat/map.h>
#include <moat/prog.h>

#define PROBE_MAX_SYSCALLS 512 /* syscall numbers 0..511 are counted */
#define PROBE_HIST_SLOTS 65     /* slot 0: 0 ns; slot k: [2^(k-1), 2^k) ns */
#define PROBE_STR_LEN 256       /* bytes of path or socket address kept per event */
#define PROBE_NO_HIST (-1)
#define PROBE_BITS_WORDS 65536  /* u64 words of the tgid bitmap: tgids below 2^22 (PID_MAX_LIMIT) */

/* Per-CPU statistics of one syscall number (the stats map's value). */
struct probe_stat {
	uint64_t count;
	uint64_t errors;   /* returns in [-4095, -1] */
	uint64_t total_ns; /* enter-to-exit time, summed */
	uint64_t max_ns;
};

/* What an event record describes. */
enum probe_event_kind {
	PROBE_EV_EXEC = 1,
	PROBE_EV_OPEN = 2,
	PROBE_EV_CONNECT = 3,
	PROBE_EV_SIGNAL = 4,
	PROBE_EV_EXIT = 5,
};

/* An event as the ring buffer carries it (and pending[] holds it). */
struct probe_event {
	uint64_t ts_ns;    /* bpf_ktime_get_ns() at the syscall's entry (exit: at exit) */
	uint32_t tid;
	uint32_t pid;      /* thread group id */
	uint32_t nr;       /* syscall number; exit events: 0 */
	uint32_t kind;     /* enum probe_event_kind */
	int64_t ret;       /* syscall return value; exit events: the wait status */
	uint64_t args[4];  /* the syscall's first four arguments */
	char comm[16];
	char str[PROBE_STR_LEN]; /* path (NUL-terminated) or struct sockaddr bytes */
};
_Static_assert(sizeof(struct probe_event) == 336, "probe_event layout");

/*
 * A connect event's str: the destination struct sockaddr the program passed
 * (bytes 0..127), then, for TCP, the local end the kernel chose, written by
 * the inet_sock_set_state probe on the SYN_SENT transition.
 */
#define PROBE_LOCAL_OFF 128
#define PROBE_LOCAL_SK 24 /* where the socket's kernel address waits for connect's return */
struct probe_sock_local {
	uint16_t family; /* AF_INET, AF_INET6; 0: unknown */
	uint16_t port;   /* host byte order, read at connect's return */
	uint8_t addr4[4];
	uint8_t addr6[16];
	uint64_t sk;     /* the socket (kernel address), for sys_exit */
};

/* A syscall that produces events, and where its interesting argument is. */
struct probe_event_syscall {
	uint32_t nr;
	enum probe_event_kind kind;
	int str_arg;  /* argument index of a user path string, or -1 */
	int addr_arg; /* argument index of a user struct sockaddr, or -1 */
};

/* The syscalls behind each event kind on x86-64 (ends with nr = 0 kind = 0). */
extern const struct probe_event_syscall probe_event_syscalls[];

/* Context layout of the hooks the programs are built for. */
enum probe_layout { PROBE_LAYOUT_RAW_TP, PROBE_LAYOUT_TRACEPOINT };

struct probe_cfg {
	enum probe_layout layout;
	bool by_cgroup;       /* scope = one cgroup v2 id, else the pids map */
	uint64_t cgroup_id;
	int cgroup_level;     /* its depth below the root (root = 0): a task is traced when
			       * its ancestor at that level is the traced cgroup */
	int hist_nr;          /* syscall whose latency histogram is kept, or PROBE_NO_HIST */
	uint32_t event_mask;  /* 1u << enum probe_event_kind of the kinds wanted */
	/* offsets in the kernel's struct task_struct (from BTF) */
	uint32_t task_tgid_off;
	uint32_t task_exit_code_off;
	uint32_t bprm_filename_off; /* struct linux_binprm's filename (exec events) */
	/* struct sock_common: family, local port, local IPv4 and IPv6 addresses */
	uint32_t sk_family_off, sk_num_off, sk_saddr_off, sk_v6_saddr_off;
	bool sock_local;      /* the connect probe runs: sys_exit completes its port */
	/* tracepoint layout: offset of child_pid in sched_process_fork's record */
	uint32_t tp_fork_child_pid_off;
};

/* The maps the programs share.  Every pointer may be freed with
 * probe_maps_release(); pending/events are NULL without events. */
struct probe_maps {
	struct moat_map *pids;    /* hash u32 tgid -> u32 1 (pid scope: the tracked set) */
	struct moat_map *bits;    /* array [PROBE_BITS_WORDS] of u64: bit tgid%64 of word
				   * tgid/64 set while pids[tgid] exists; the one-test scope check */
	struct moat_map *start;   /* hash u32 tid -> {u64 ts; u32 nr; u32 pad} */
	struct moat_map *stats;   /* per-CPU array [PROBE_MAX_SYSCALLS] of probe_stat */
	struct moat_map *hist;    /* per-CPU array [PROBE_HIST_SLOTS] of u64 */
	struct moat_map *pending; /* hash u32 tid -> probe_event */
	struct moat_map *events;  /* ring buffer of probe_event */
};

/* Creates the maps (events ones only when with_events). */
int probe_maps_init(struct probe_maps *m, bool with_events, struct moat_error *err);
void probe_maps_release(struct probe_maps *m);

/* The programs.  Each returns a program to free with moat_prog_free(), or
 * NULL with err set.  fork and exit are raw-tracepoint programs only. */
struct moat_prog *probe_sys_enter(const struct probe_cfg *cfg, const struct probe_maps *m,
				  struct moat_error *err);
struct moat_prog *probe_sys_exit(const struct probe_cfg *cfg, const struct probe_maps *m,
				 struct moat_error *err);
struct moat_prog *probe_fork(const struct probe_cfg *cfg, const struct probe_maps *m,
			     struct moat_error *err);
struct moat_prog *probe_exit(const struct probe_cfg *cfg, const struct probe_maps *m,
			     struct moat_error *err);
/* sched_process_exec (raw layout, exec events): the program now running,
 * by the kernel's resolved file name, after any thread-id change. */
struct moat_prog *probe_exec(const struct probe_cfg *cfg, const struct probe_maps *m,
			     struct moat_error *err);
/* inet_sock_set_state (raw layout, connect events): on a TCP socket's move
 * to SYN_SENT inside a traced connect(), the local address and port the
 * kernel chose join the pending connect event (tcpconnect's view). */
struct moat_prog *probe_connect(const struct probe_cfg *cfg, const struct probe_maps *m,
				struct moat_error *err);

#endif
