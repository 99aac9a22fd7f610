/*
 * A tracing session: picks the hook kind that works on this kernel, builds
 * the probes for the requested scope, loads them against kernel maps the
 * session owns (so the four programs share them), attaches them, and tears
 * all of it down in reverse order.  Nothing outlives moat_trace_free(): the
 * links, programs and maps are fds of this process.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <moat/kernel.h>
#include <moat/syscalls.h>
#include <moat/trace.h>

#include "trace/trace_internal.h"

enum { P_ENTER, P_EXIT, P_FORK, P_TASK_EXIT, P_EXEC, P_CONNECT, P_COUNT };

static const struct {
	const char *raw;        /* raw_tp / tp_btf name */
	const char *tracepoint; /* tracefs name */
} hooks[P_COUNT] = {
	[P_ENTER] = { "sys_enter", "raw_syscalls:sys_enter" },
	[P_EXIT] = { "sys_exit", "raw_syscalls:sys_exit" },
	[P_FORK] = { "sched_process_fork", "sched:sched_process_fork" },
	[P_TASK_EXIT] = { "sched_process_exit", "sched:sched_process_exit" },
	[P_EXEC] = { "sched_process_exec", "sched:sched_process_exec" },
	[P_CONNECT] = { "inet_sock_set_state", "sock:inet_sock_set_state" },
};

static struct moat_prog *(*const generators[P_COUNT])(const struct probe_cfg *,
						       const struct probe_maps *,
						       struct moat_error *) = {
	[P_ENTER] = probe_sys_enter,
	[P_EXIT] = probe_sys_exit,
	[P_FORK] = probe_fork,
	[P_TASK_EXIT] = probe_exit,
	[P_EXEC] = probe_exec,
	[P_CONNECT] = probe_connect,
};

/* The first hook kind that fires here (or the forced one). */
static int pick_hook(const struct moat_trace_opts *o, enum moat_hook_kind *kind,
		     struct moat_error *err)
{
	if (o->force_hook && o->hook < MOAT_HOOK_KIND_COUNT) {
		*kind = o->hook;
		return moat_kernel_probe_hook(o->hook, err);
	}
	char why[3][300] = { "", "", "" };
	for (int k = 0; k < MOAT_HOOK_KIND_COUNT; k++) {
		if (moat_kernel_probe_hook((enum moat_hook_kind)k, err) == 0) {
			*kind = (enum moat_hook_kind)k;
			return 0;
		}
		if (err->errnum == EPERM)
			return moat_error_set(err, EPERM, "moat trace needs root (CAP_BPF and "
					      "CAP_PERFMON) to load its tracing programs");
		moat_error_str(err, why[k], sizeof(why[k]));
	}
	return moat_error_set(err, ENOTSUP, "no tracing hook works on this kernel: %s; %s; %s",
			      why[0], why[1], why[2]);
}

/*
 * Cgroup scope: the id of a cgroup v2 directory is its inode number, and its
 * level is the number of directories between it and the hierarchy's root
 * (the top of the cgroup2 mount), found by walking up while still on it.
 */
static int cgroup_id(const char *path, uint64_t *id, int *level, struct moat_error *err)
{
	struct statfs sf;
	struct stat st;
	char real[PATH_MAX];
	if (statfs(path, &sf) < 0 || stat(path, &st) < 0 || !realpath(path, real))
		return moat_error_set(err, errno, "cgroup '%s': %s", path, strerror(errno));
	if (sf.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
		return moat_error_set(err, EINVAL, "'%s' is not a cgroup v2 directory (the "
				      "unified hierarchy, e.g. /sys/fs/cgroup/unified/NAME)", path);
	*id = st.st_ino;
	*level = 0;
	for (char *slash; (slash = strrchr(real, '/')) && slash != real;) {
		*slash = '\0';
		struct stat up;
		if (statfs(real, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC ||
		    stat(real, &up) < 0 || up.st_dev != st.st_dev)
			break;
		++*level;
	}
	return 0;
}

static int fill_cfg(struct moat_trace *t, const struct moat_trace_opts *o, struct moat_error *err)
{
	struct probe_cfg *c = &t->cfg;
	c->layout = t->hook == MOAT_HOOK_TRACEPOINT ? PROBE_LAYOUT_TRACEPOINT : PROBE_LAYOUT_RAW_TP;
	c->hist_nr = PROBE_NO_HIST;
	if (o->hist_syscall) {
		c->hist_nr = moat_syscall_number(o->hist_syscall);
		if (c->hist_nr < 0 || c->hist_nr >= PROBE_MAX_SYSCALLS)
			return moat_error_set(err, EINVAL, "unknown syscall '%s' (names as in "
					      "<asm/unistd_64.h>, e.g. openat)", o->hist_syscall);
		t->hist_name = moat_syscall_name(c->hist_nr);
	}
	c->event_mask = o->events;
	if (o->cgroup) {
		c->by_cgroup = true;
		if (cgroup_id(o->cgroup, &c->cgroup_id, &c->cgroup_level, err) < 0)
			return -err->errnum;
	}
	if (c->layout == PROBE_LAYOUT_TRACEPOINT)
		return c->by_cgroup ? 0
				    : moat_tracepoint_field_offset("sched:sched_process_fork",
								   "child_pid",
								   &c->tp_fork_child_pid_off, err);
	if (moat_kernel_struct_offset("task_struct", "tgid", &c->task_tgid_off, err) < 0 ||
	    moat_kernel_struct_offset("task_struct", "exit_code", &c->task_exit_code_off, err) < 0 ||
	    moat_kernel_struct_offset("linux_binprm", "filename", &c->bprm_filename_off, err) < 0)
		return -err->errnum;
	/* the local end of TCP connects, where the kernel's BTF describes sockets
	 * (without it, connect events still carry the destination and return) */
	struct moat_error ignored = { 0 };
	t->sock_ok = (o->events & MOAT_TRACE_EV_MASK(MOAT_TRACE_EV_CONNECT)) &&
		     moat_kernel_struct_offset("sock_common", "skc_family", &c->sk_family_off,
					       &ignored) == 0 &&
		     moat_kernel_struct_offset("sock_common", "skc_num", &c->sk_num_off, &ignored) == 0 &&
		     moat_kernel_struct_offset("sock_common", "skc_rcv_saddr", &c->sk_saddr_off,
					       &ignored) == 0 &&
		     moat_kernel_struct_offset("sock_common", "skc_v6_rcv_saddr", &c->sk_v6_saddr_off,
					       &ignored) == 0;
	c->sock_local = t->sock_ok;
	return 0;
}

/*
 * The tgid bitmap's kernel twin is made here rather than by the kernel
 * loader: it is mmap-able, so moat sets bits with an atomic OR in its own
 * memory while the fork probe sets others of the same word in the kernel.
 */
static int create_bits(struct moat_trace *t, struct moat_error *err)
{
	size_t len = PROBE_BITS_WORDS * sizeof(uint64_t);
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "moat_bits", 4, 8, PROBE_BITS_WORDS, &o);
	if (fd < 0)
		return moat_error_set(err, errno, "creating the tracer's pid bitmap: %s",
				      strerror(errno));
	t->map_fds[TRACE_MAP_BITS] = fd;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return moat_error_set(err, errno, "mapping the tracer's pid bitmap: %s",
				      strerror(errno));
	t->bits = p;
	return 0;
}

/* The kernel twins of the probe maps, owned by the session. */
static int create_maps(struct moat_trace *t, struct moat_error *err)
{
	struct moat_map *all[TRACE_NMAPS] = { t->maps.pids, t->maps.bits, t->maps.start,
					      t->maps.stats, t->maps.hist, t->maps.pending,
					      t->maps.events };
	for (int i = 0; i < TRACE_NMAPS; i++) {
		t->map_fds[i] = -1;
		t->map_src[i] = all[i];
		if (!all[i] || i == TRACE_MAP_BITS)
			continue;
		t->map_fds[i] = moat_kernel_map_create(all[i], err);
		if (t->map_fds[i] < 0)
			return t->map_fds[i];
	}
	return create_bits(t, err);
}

/* Loads program `which` with the session's maps and attaches it. */
static int load_one(struct moat_trace *t, int which, struct moat_error *err)
{
	struct moat_prog *p = generators[which](&t->cfg, &t->maps, err);
	if (!p)
		return -err->errnum;
	size_t n = moat_prog_map_count(p);
	int fds[TRACE_NMAPS] = { -1, -1, -1, -1, -1, -1, -1 };
	for (size_t i = 0; i < n && i < TRACE_NMAPS; i++)
		for (int k = 0; k < TRACE_NMAPS; k++)
			if (t->map_src[k] == moat_prog_map(p, i))
				fds[i] = t->map_fds[k];
	const char *hook = t->hook == MOAT_HOOK_TRACEPOINT ? hooks[which].tracepoint
							   : hooks[which].raw;
	MOAT_OPTS(moat_kernel_load_opts, lo, .map_fds = fds, .n_map_fds = n);
	if (t->hook == MOAT_HOOK_TP_BTF) {
		int id = moat_kernel_tp_btf_id(hook, err);
		if (id < 0) {
			moat_prog_free(p);
			return id;
		}
		lo.attach_btf_id = (uint32_t)id;
		lo.attach_type = BPF_TRACE_RAW_TP;
	}
	t->progs[which] = moat_kernel_load(p, &lo, err);
	moat_prog_free(p);
	if (!t->progs[which]) {
		moat_error_prefix(err, "loading the %s probe", hook);
		return -err->errnum;
	}
	t->links[which] = moat_attach_hook(t->hook, moat_kprog_fd(t->progs[which]), hook, err);
	return t->links[which] < 0 ? t->links[which] : 0;
}

static int on_record(void *arg, const void *data, size_t len)
{
	struct moat_trace *t = arg;
	struct moat_trace_event ev;
	if (len < sizeof(struct probe_event) || !t->on_event)
		return 0;
	trace_event_decode(data, &ev);
	t->on_event(t->arg, &ev);
	return 0;
}

static int start(struct moat_trace *t, const struct moat_trace_opts *o, struct moat_error *err)
{
	if (pick_hook(o, &t->hook, err) < 0 || fill_cfg(t, o, err) < 0 ||
	    probe_maps_init(&t->maps, o->events != 0, err) < 0 || create_maps(t, err) < 0)
		return -err->errnum;
	for (size_t i = 0; i < o->n_pids; i++)
		if (moat_trace_add_pid(t, o->pids[i], err) < 0)
			return -err->errnum;
	/* exit and fork first: no tracked process may slip out unnoticed
	 * between the syscall probes' attachment and theirs */
	static const int order[] = { P_TASK_EXIT, P_FORK, P_EXEC, P_CONNECT, P_EXIT, P_ENTER };
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(order); i++) {
		if (order[i] == P_FORK && t->cfg.by_cgroup)
			continue; /* children stay in their parent's cgroup */
		/* exec events come from sched_process_exec where its arguments are
		 * typed (raw layouts); tracepoint hooks report execve's return */
		if (order[i] == P_EXEC && (t->cfg.layout != PROBE_LAYOUT_RAW_TP ||
					   !(o->events & MOAT_TRACE_EV_MASK(MOAT_TRACE_EV_EXEC))))
			continue;
		if (order[i] == P_CONNECT && !t->sock_ok)
			continue;
		if (load_one(t, order[i], err) < 0)
			return -err->errnum;
	}
	if (t->maps.events) {
		t->rb = moat_kringbuf_new(t->map_fds[TRACE_MAP_EVENTS], on_record, t, err);
		if (!t->rb)
			return -err->errnum;
	}
	return 0;
}

struct moat_trace *moat_trace_new(const struct moat_trace_opts *o, struct moat_error *err)
{
	if (!o || (o->cgroup && o->n_pids)) {
		moat_error_set(err, EINVAL, "trace either processes or a cgroup, not both");
		return NULL;
	}
	struct moat_trace *t = calloc(1, sizeof(*t));
	if (!t) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < P_COUNT; i++)
		t->links[i] = -1;
	for (int i = 0; i < TRACE_NMAPS; i++)
		t->map_fds[i] = -1;
	t->on_event = o->on_event;
	t->arg = o->arg;
	if (start(t, o, err) < 0) {
		moat_trace_free(t);
		return NULL;
	}
	return t;
}

void moat_trace_free(struct moat_trace *t)
{
	if (!t)
		return;
	/* reverse order: stop the hooks, then the ring buffer, programs, maps */
	for (int i = P_COUNT - 1; i >= 0; i--)
		if (t->links[i] >= 0)
			close(t->links[i]);
	moat_kringbuf_free(t->rb);
	if (t->bits)
		munmap(t->bits, PROBE_BITS_WORDS * sizeof(uint64_t));
	for (int i = 0; i < P_COUNT; i++)
		moat_kprog_free(t->progs[i]);
	for (int i = 0; i < TRACE_NMAPS; i++)
		if (t->map_fds[i] >= 0)
			close(t->map_fds[i]);
	probe_maps_release(&t->maps);
	free(t);
}

enum moat_hook_kind moat_trace_hook(const struct moat_trace *t)
{
	return t->hook;
}

int moat_trace_add_pid(struct moat_trace *t, pid_t pid, struct moat_error *err)
{
	if (t->cfg.by_cgroup)
		return moat_error_set(err, EINVAL, "a cgroup trace cannot add processes");
	if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
		return moat_error_set(err, ESRCH, "no process with pid %d", (int)pid);
	if (pid == getpid())
		return moat_error_set(err, EINVAL, "moat cannot trace itself (pid %d)", (int)pid);
	return trace_add_tree(t, pid, err);
}

int moat_trace_poll(struct moat_trace *t, int timeout_ms, struct moat_error *err)
{
	if (!t->rb) {
		if (timeout_ms > 0)
			usleep((useconds_t)timeout_ms * 1000);
		return 0;
	}
	return moat_kringbuf_poll(t->rb, timeout_ms, err);
}

bool moat_trace_done(struct moat_trace *t)
{
	uint32_t key;
	if (t->cfg.by_cgroup)
		return false;
	if (bpf_map_get_next_key(t->map_fds[TRACE_MAP_PIDS], NULL, &key) < 0)
		return true;
	trace_prune(t);
	return bpf_map_get_next_key(t->map_fds[TRACE_MAP_PIDS], NULL, &key) < 0;
}
