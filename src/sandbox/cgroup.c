/*
 * cgroups v1, v2 and hybrids.  Each controller the container needs (memory,
 * pids, cpu, devices) is looked up first among the v1 hierarchies, then in
 * the v2 hierarchy's cgroup.controllers; the container's directory is made
 * below the caller's own cgroup in that hierarchy (from /proc/self/cgroup),
 * so whatever limits the caller lives under still hold.  A hybrid host (v1
 * controllers, a v2 tree at /sys/fs/cgroup/unified owning the rest) is
 * simply a host with some controllers on each side.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"
#include "util/cleanup.h"

static const char *const ctrl_names[SBX_CG_N] = { "memory", "pids", "cpu", "devices" };

/* Where a controller lives: mount point, and the caller's path below it. */
struct cg_loc {
	char mnt[PATH_MAX];
	char self[PATH_MAX];
	bool v2;
};

/* True if the comma-separated list has word w. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && !strncmp(p, w, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The caller's path in the hierarchy whose /proc/self/cgroup key is key
 * ("memory" for v1, "" for v2). */
static bool self_path(const char *ctrl, bool v2, char *out, size_t len)
{
	MOAT_AUTO(fclose) FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 128];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		bool match = v2 ? c1[1] == '\0' && line[0] == '0' : has_word(c1 + 1, ctrl);
		if (match && (size_t)snprintf(out, len, "%s", strcmp(c2 + 1, "/") ? c2 + 1 : "") < len)
			return true;
	}
	return false;
}

/* True if the v2 hierarchy at mnt offers ctrl. */
static bool v2_offers(const char *mnt, const char *ctrl)
{
	char p[PATH_MAX + 32], buf[512];
	snprintf(p, sizeof(p), "%s/cgroup.controllers", mnt);
	MOAT_AUTO(close) int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *s = buf, *tok; (tok = strtok_r(s, " \n", &s));)
		if (!strcmp(tok, ctrl))
			return true;
	return false;
}

/* Finds ctrl's hierarchy from /proc/self/mountinfo; false if it has none. */
static bool locate(const char *ctrl, struct cg_loc *loc)
{
	MOAT_AUTO(fclose) FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], v2mnt[PATH_MAX] = "";
	while (f && fgets(line, sizeof(line), f)) {
		/* "id parent maj:min root mountpoint opts [tags] - fstype source superopts" */
		char mnt[PATH_MAX], fstype[64], super[1024];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (!strcmp(fstype, "cgroup") && has_word(super, ctrl)) {
			snprintf(loc->mnt, sizeof(loc->mnt), "%s", mnt);
			loc->v2 = false;
			return self_path(ctrl, false, loc->self, sizeof(loc->self));
		}
		if (!strcmp(fstype, "cgroup2") && !v2mnt[0])
			snprintf(v2mnt, sizeof(v2mnt), "%s", mnt);
	}
	/* v2 has no devices controller: its device filter is a BPF program any
	 * v2 directory can hold */
	if (!v2mnt[0] || (strcmp(ctrl, "devices") && !v2_offers(v2mnt, ctrl)))
		return false;
	snprintf(loc->mnt, sizeof(loc->mnt), "%s", v2mnt);
	loc->v2 = true;
	return self_path(ctrl, true, loc->self, sizeof(loc->self));
}

/* Writes s to dir/file. */
static int write_file(const char *dir, const char *file, const char *s, struct moat_error *err)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	MOAT_AUTO(close) int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, s, strlen(s)) < 0)
		return moat_error_set(err, errno, "cgroup: writing '%s' to %s: %s", s, p, strerror(errno));
	return 0;
}

/* Enables ctrl for the children of the v2 directory parent. */
static int v2_enable(const char *parent, const char *ctrl, struct moat_error *err)
{
	char word[32];
	snprintf(word, sizeof(word), "+%s", ctrl);
	int r = write_file(parent, "cgroup.subtree_control", word, err);
	if (r < 0 && errno == EBUSY)
		moat_error_prefix(err, "the caller's cgroup has processes, so v2 controllers cannot "
				       "be delegated below it (run moat from its own cgroup)");
	return r;
}

/* The limits of one controller, written into its directory. */
static int write_limits(int c, const char *dir, bool v2, const struct moat_sandbox_spec *s,
			struct moat_error *err)
{
	char v[64];
	switch (c) {
	case SBX_CG_MEMORY:
		snprintf(v, sizeof(v), "%llu", (unsigned long long)s->memory);
		if (v2)
			return write_file(dir, "memory.max", v, err) < 0 ? -1
			       : (write_file(dir, "memory.swap.max", "0", NULL), 0);
		if (write_file(dir, "memory.limit_in_bytes", v, err) < 0)
			return -1;
		write_file(dir, "memory.memsw.limit_in_bytes", v, NULL); /* absent without swap accounting */
		return 0;
	case SBX_CG_PIDS:
		snprintf(v, sizeof(v), "%llu", (unsigned long long)s->pids);
		return write_file(dir, "pids.max", v, err);
	case SBX_CG_CPU:
		if (v2) {
			snprintf(v, sizeof(v), "%llu 100000", (unsigned long long)s->cpu_milli * 100);
			return write_file(dir, "cpu.max", v, err);
		}
		snprintf(v, sizeof(v), "%llu", (unsigned long long)s->cpu_milli * 100);
		return write_file(dir, "cpu.cfs_period_us", "100000", err) < 0 ? -1
		       : write_file(dir, "cpu.cfs_quota_us", v, err);
	case SBX_CG_DEVICES:
		return v2 ? sbx_devices_v2(dir, s, err) : sbx_devices_v1(dir, s, err);
	default:
		return 0;
	}
}

static bool wanted(int c, const struct moat_sandbox_spec *s, bool rootless)
{
	switch (c) {
	case SBX_CG_MEMORY: return s->memory != 0;
	case SBX_CG_PIDS: return s->pids != 0;
	case SBX_CG_CPU: return s->cpu_milli != 0;
	case SBX_CG_DEVICES: return !rootless; /* rootless: the user namespace forbids mknod */
	default: return false;
	}
}

/* Makes (or reuses, for a shared v2 directory) the directory of controller c. */
static int make_dir(struct sbx_cgroup *cg, int c, const struct cg_loc *loc, const char *name,
		    struct moat_error *err)
{
	char parent[PATH_MAX];
	if ((size_t)snprintf(parent, sizeof(parent), "%s%s", loc->mnt, loc->self) >= sizeof(parent) ||
	    (size_t)snprintf(cg->dir[c], sizeof(cg->dir[c]), "%s/%s", parent, name) >= sizeof(cg->dir[c]))
		return moat_error_set(err, ENAMETOOLONG, "cgroup path too long");
	cg->v2[c] = loc->v2;
	if (loc->v2 && c != SBX_CG_DEVICES && v2_enable(parent, ctrl_names[c], err) < 0)
		return -1;
	for (int o = 0; o < c; o++)
		if (cg->created[o] && !strcmp(cg->dir[o], cg->dir[c]))
			return 0; /* one v2 directory serves several controllers */
	if (mkdir(cg->dir[c], 0755) < 0)
		return moat_error_set(err, errno, "cgroup: creating %s: %s", cg->dir[c], strerror(errno));
	cg->created[c] = true;
	return 0;
}

int sbx_cgroup_create(struct sbx_cgroup *cg, const char *name, const struct moat_sandbox_spec *spec,
		      bool rootless, struct moat_error *err)
{
	memset(cg, 0, sizeof(*cg));
	for (int c = 0; c < SBX_CG_N; c++) {
		if (!wanted(c, spec, rootless))
			continue;
		struct cg_loc loc;
		if (!locate(ctrl_names[c], &loc)) {
			if (c == SBX_CG_DEVICES) {
				sbx_note(spec, "no cgroup hierarchy for devices: the device allowlist is "
					       "enforced by the container's /dev only");
				continue;
			}
			if (rootless) {
				sbx_note(spec, "%s limit ignored: no %s controller", ctrl_names[c], ctrl_names[c]);
				continue;
			}
			sbx_cgroup_destroy(cg);
			return moat_error_set(err, ENOTSUP, "cgroup: no %s controller on this host",
					      ctrl_names[c]);
		}
		if (make_dir(cg, c, &loc, name, err) < 0 ||
		    write_limits(c, cg->dir[c], cg->v2[c], spec, err) < 0) {
			if (rootless && (errno == EACCES || errno == EPERM || errno == EROFS)) {
				sbx_note(spec, "%s limit ignored: the cgroup is not delegated to uid %u",
					 ctrl_names[c], (unsigned)getuid());
				if (cg->created[c])
					rmdir(cg->dir[c]);
				cg->dir[c][0] = '\0';
				cg->created[c] = false;
				continue;
			}
			sbx_cgroup_destroy(cg);
			return -1;
		}
	}
	return 0;
}

int sbx_cgroup_join(const struct sbx_cgroup *cg, struct moat_error *err)
{
	/* Moving a whole process (cgroup.procs, or any pid but our own) takes
	 * the global cgroup_threadgroup_rwsem for writing, which waits for an
	 * RCU grace period: about 10 ms.  A single-threaded process that moves
	 * its own thread ("0" into v1's tasks) skips that lock, so the
	 * container's PID 1 joins its cgroups itself, before it has threads or
	 * children.  v2 has no such shortcut for a process. */
	for (int c = 0; c < SBX_CG_N; c++)
		if (cg->created[c] && write_file(cg->dir[c], cg->v2[c] ? "cgroup.procs" : "tasks", "0", err) < 0)
			return -1;
	return 0;
}

bool sbx_cgroup_oom_killed(const struct sbx_cgroup *cg)
{
	if (!cg->dir[SBX_CG_MEMORY][0])
		return false;
	char p[PATH_MAX + 32], line[256];
	snprintf(p, sizeof(p), "%s/%s", cg->dir[SBX_CG_MEMORY],
		 cg->v2[SBX_CG_MEMORY] ? "memory.events" : "memory.oom_control");
	MOAT_AUTO(fclose) FILE *f = fopen(p, "re");
	unsigned long long n;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "oom_kill %llu", &n) == 1 && n > 0)
			return true;
	return false;
}

int sbx_cgroup_remove_dir(const char *dir)
{
	/* Processes may still be leaving (a zombie keeps its cgroup until it is
	 * reaped): kill whatever is listed, then retry for up to a second. */
	char p[PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		FILE *f = fopen(p, "re");
		int pid;
		while (f && fscanf(f, "%d", &pid) == 1)
			kill(pid, SIGKILL);
		if (f)
			fclose(f);
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	}
	return -EBUSY;
}

void sbx_cgroup_destroy(struct sbx_cgroup *cg)
{
	for (int c = SBX_CG_N - 1; c >= 0; c--)
		if (cg->created[c]) {
			sbx_cgroup_remove_dir(cg->dir[c]);
			cg->created[c] = false;
		}
}
