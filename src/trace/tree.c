/*
 * Process trees: adding a process to the trace adds the descendants it
 * already has (found through /proc/PID/stat's ppid field); those it creates
 * later are added in the kernel by the fork probe.
 */
#include <ctype.h>
#include <signal.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "trace/trace_internal.h"

struct proc { pid_t pid, ppid; };

/* The parent of a process: the field after "(comm)" and the state letter. */
static pid_t read_ppid(const char *pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	MOAT_AUTO(fclose) FILE *f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		return -1;
	char *p = strrchr(buf, ')');
	int ppid;
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

static int list_procs(struct proc **out, size_t *n, struct moat_error *err)
{
	MOAT_AUTO(free) struct proc *v = NULL;
	size_t cap = 0;
	*n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return moat_error_set(err, errno, "cannot list /proc: %s", strerror(errno));
	for (struct dirent *e; (e = readdir(d));) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid_t ppid = read_ppid(e->d_name);
		if (ppid <= 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			struct proc *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				closedir(d);
				return moat_error_set(err, ENOMEM, "out of memory");
			}
			v = nv;
		}
		v[(*n)++] = (struct proc){ (pid_t)atoi(e->d_name), ppid };
	}
	closedir(d);
	*out = steal_ptr(v);
	return 0;
}

/* pids[pid] and its bit; the bit is set atomically, as the fork probe sets
 * bits of the same word on other CPUs. */
static int track(struct moat_trace *t, pid_t pid, struct moat_error *err)
{
	uint32_t key = (uint32_t)pid, one = 1;
	if (key >= PROBE_BITS_WORDS * 64u)
		return moat_error_set(err, ERANGE, "pid %d is beyond the kernel's limit", (int)pid);
	if (bpf_map_update_elem(t->map_fds[TRACE_MAP_PIDS], &key, &one, BPF_ANY) < 0)
		return moat_error_set(err, errno, "cannot track pid %d: %s", (int)pid,
				      strerror(errno));
	__atomic_fetch_or(&t->bits[key / 64], 1ull << (key % 64), __ATOMIC_SEQ_CST);
	return 0;
}

int trace_add_tree(struct moat_trace *t, pid_t pid, struct moat_error *err)
{
	if (track(t, pid, err) < 0)
		return -err->errnum;
	MOAT_AUTO(free) struct proc *v = NULL;
	size_t n;
	if (list_procs(&v, &n, err) < 0)
		return -err->errnum;
	/* breadth first from pid: a queue of found pids, scanned in order */
	MOAT_AUTO(free) pid_t *queue = malloc((n + 1) * sizeof(*queue));
	if (!queue)
		return moat_error_set(err, ENOMEM, "out of memory");
	size_t head = 0, tail = 0;
	queue[tail++] = pid;
	while (head < tail) {
		pid_t parent = queue[head++];
		for (size_t i = 0; i < n && tail <= n; i++) {
			/* never moat itself: tracing `moat trace -p $$` from a shell
			 * must not count the tracer's own calls */
			if (v[i].ppid != parent || v[i].pid == getpid())
				continue;
			if (track(t, v[i].pid, err) < 0)
				return -err->errnum;
			queue[tail++] = v[i].pid;
			v[i].ppid = -1; /* never visited twice */
		}
	}
	return 0;
}

/*
 * Forgets tracked processes that no longer exist.  The exit probe removes a
 * process when it exits, but one can exit between the /proc walk above and
 * its entry in the map (or before the probes were attached): without this,
 * its stale entry would keep a finished tree "running" for ever.
 */
void trace_prune(struct moat_trace *t)
{
	int fd = t->map_fds[TRACE_MAP_PIDS];
	uint32_t key, next, dead[256];
	size_t n = 0;
	for (int first = 1; n < 256; first = 0) {
		if (bpf_map_get_next_key(fd, first ? NULL : &key, &next) < 0)
			break;
		key = next;
		if (kill((pid_t)key, 0) < 0 && errno == ESRCH)
			dead[n++] = key;
	}
	for (size_t i = 0; i < n; i++) {
		bpf_map_delete_elem(fd, &dead[i]);
		if (dead[i] < PROBE_BITS_WORDS * 64u)
			__atomic_fetch_and(&t->bits[dead[i] / 64], ~(1ull << (dead[i] % 64)),
					   __ATOMIC_SEQ_CST);
	}
}