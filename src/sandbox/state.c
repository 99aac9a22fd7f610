/*
 * Container state and leftover recovery.  Each running container has a file
 * <state dir>/<name>.state naming the moat process that owns it (pid and
 * start time, so a recycled pid is not mistaken for it) and the cgroup
 * directories it made.  Mounts and namespaces need no record: they belong
 * to the container's processes and vanish with them, and those processes
 * die with moat (the container's PID 1 has PR_SET_PDEATHSIG=SIGKILL, and
 * the kernel kills a PID namespace with its init).  Cgroup directories
 * outlive everything, so a later run removes those of dead owners.
 *
 * A created container (moat create, the OCI lifecycle) outlives the moat
 * that made it: its state names the container's init as owner, marked
 * "detached", with the bundle; it is not recovered automatically but kept
 * until moat delete, so that a stopped container still reports "stopped".
 * Its start gate is the fifo <name>.fifo beside the state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"
#include "util/cleanup.h"

int sbx_name_check(const char *name, struct moat_error *err)
{
	size_t n = strlen(name);
	if (!n || n > 64 || name[0] == '.' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return moat_error_set(err, EINVAL, "'%s' is not a container name (letters, digits, "
						   "'_.-', at most 64)", name);
	return 0;
}

int sbx_state_dir(char *buf, size_t len, struct moat_error *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (getuid() == 0)
		snprintf(buf, len, "/run/moat");
	else if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/moat", xdg);
	else
		snprintf(buf, len, "/tmp/moat-%u", (unsigned)getuid());
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, errno, "state directory %s: %s", buf, strerror(errno));
	/* under /tmp anyone could have made it first: it must be ours and, for a
	 * non-root user, private (/run/moat is shared with other moat modules,
	 * and /run is root's alone) */
	struct stat st;
	if (lstat(buf, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (getuid() != 0 && (st.st_mode & 077)) || (st.st_mode & 022))
		return moat_error_set(err, EPERM, "state directory %s is not a directory of uid %u that "
						  "only it can write",
				      buf, (unsigned)getuid());
	return 0;
}

/* Field 22 of /proc/PID/stat (start time in ticks), 0 if the process is gone
 * or a zombie. */
static unsigned long long start_time(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	MOAT_AUTO(close) int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *s = strrchr(buf, ')'); /* the command name may hold spaces */
	unsigned long long t = 0;
	char state = 0;
	if (s && sscanf(s + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			       "%*d %*d %llu", &state, &t) != 2)
		t = 0;
	return state == 'Z' || state == 'X' ? 0 : t; /* an exited init waiting to be reaped is gone */
}

/* Removes the container recorded in path if its moat is gone; 1 if it did. */
static int recover_file(const char *path, bool force)
{
	MOAT_AUTO(fclose) FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char line[PATH_MAX + 16];
	int pid = 0;
	unsigned long long st = 0;
	char mark[16] = "";
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%d %llu %15s", &pid, &st, mark) < 2)
		pid = 0; /* unreadable or half-written: its writer died before finishing */
	if (!force && pid > 0 && (start_time(pid) == st || !strcmp(mark, "detached")))
		return 0; /* still running, or created and not yet deleted */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "/sys/fs/cgroup/", 15) && !strstr(line, "/../"))
			sbx_cgroup_remove_dir(line);
	}
	unlink(path);
	return 1;
}

int moat_sandbox_recover(struct moat_error *err)
{
	char dir[PATH_MAX];
	if (sbx_state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	DIR *d = opendir(dir);
	if (!d)
		return moat_error_set(err, errno, "state directory %s: %s", dir, strerror(errno));
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l < 7 || strcmp(e->d_name + l - 6, ".state"))
			continue;
		char p[PATH_MAX + 256];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		n += recover_file(p, false);
	}
	closedir(d);
	return n;
}

static int state_path(const char *name, char *p, size_t len, struct moat_error *err)
{
	char dir[PATH_MAX];
	if (sbx_state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	if ((size_t)snprintf(p, len, "%s/%s.state", dir, name) >= len)
		return moat_error_set(err, ENAMETOOLONG, "container name too long");
	return 0;
}

int sbx_state_claim(const char *name, struct moat_error *err)
{
	char p[PATH_MAX + 256];
	if (state_path(name, p, sizeof(p), err) < 0)
		return -1;
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int e = fd < 0 ? errno : 0;
	if (e == EEXIST && recover_file(p, false)) {
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		e = fd < 0 ? errno : 0;
	}
	if (e == EEXIST)
		return moat_error_set(err, EEXIST, "a container named '%s' already exists", name);
	if (fd < 0)
		return moat_error_set(err, e, "state file %s: %s", p, strerror(e));
	char line[64];
	int n = snprintf(line, sizeof(line), "%d %llu\n", (int)getpid(), start_time(getpid()));
	bool ok = write(fd, line, (size_t)n) == n;
	close(fd);
	if (!ok) {
		unlink(p);
		return moat_error_set(err, EIO, "state file %s: write failed", p);
	}
	return 0;
}

int sbx_state_add_cgroups(const char *name, const struct sbx_cgroup *cg, struct moat_error *err)
{
	char p[PATH_MAX + 256];
	if (state_path(name, p, sizeof(p), err) < 0)
		return -1;
	MOAT_AUTO(fclose) FILE *f = fopen(p, "ae");
	if (!f)
		return moat_error_set(err, errno, "state file %s: %s", p, strerror(errno));
	for (int c = 0; c < SBX_CG_N; c++)
		if (cg->created[c])
			fprintf(f, "%s\n", cg->dir[c]);
	if (fflush(f) != 0)
		return moat_error_set(err, EIO, "state file %s: write failed", p);
	return 0;
}

int sbx_state_add_init(const char *name, pid_t init, struct moat_error *err)
{
	char p[PATH_MAX + 256];
	if (state_path(name, p, sizeof(p), err) < 0)
		return -1;
	MOAT_AUTO(fclose) FILE *f = fopen(p, "ae");
	if (!f || fprintf(f, "init %d\n", (int)init) < 0 || fflush(f) != 0)
		return moat_error_set(err, EIO, "state file %s: write failed", p);
	return 0;
}

/* A state file's lines: "OWNER START", cgroup directories, "init PID". */
int moat_sandbox_find(const char *name, struct moat_sandbox_info *info, struct moat_error *err)
{
	*info = (struct moat_sandbox_info){ 0 };
	if (sbx_name_check(name, err) < 0)
		return -1;
	struct sbx_state st;
	if (sbx_state_read(name, &st, NULL) < 0 || !st.alive)
		return moat_error_set(err, ENOENT, "no running container '%s'", name);
	info->owner = st.pid;
	info->init = st.init;
	memcpy(info->cgroup_v2, st.cgroup_v2, sizeof(info->cgroup_v2));
	return 0;
}

void sbx_state_remove(const char *name)
{
	char p[PATH_MAX + 256];
	if (state_path(name, p, sizeof(p), NULL) == 0)
		unlink(p);
}

int sbx_state_gate_path(const char *name, char *path, size_t len, struct moat_error *err)
{
	char dir[PATH_MAX];
	if (sbx_state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	if ((size_t)snprintf(path, len, "%s/%s.fifo", dir, name) >= len)
		return moat_error_set(err, ENAMETOOLONG, "container name too long");
	return 0;
}

int sbx_state_gate(const char *name, char *path, size_t len, int *fd, struct moat_error *err)
{
	if (sbx_state_gate_path(name, path, len, err) < 0)
		return -1;
	unlink(path);
	if (mkfifo(path, 0600) < 0)
		return moat_error_set(err, errno, "start gate %s: %s", path, strerror(errno));
	*fd = open(path, O_RDWR | O_CLOEXEC);
	if (*fd < 0) {
		int e = errno;
		unlink(path);
		return moat_error_set(err, e, "start gate %s: %s", path, strerror(e));
	}
	return 0;
}

int sbx_state_detach(const char *name, pid_t pid, const char *bundle, struct moat_error *err)
{
	char p[PATH_MAX + 256], tmp[PATH_MAX + 300], line[PATH_MAX + 16];
	if (state_path(name, p, sizeof(p), err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	MOAT_AUTO(fclose) FILE *in = fopen(p, "re");
	MOAT_AUTO(fclose) FILE *out = fopen(tmp, "we");
	if (!in || !out)
		return moat_error_set(err, errno, "state file %s: %s", p, strerror(errno));
	fprintf(out, "%d %llu detached\n", (int)pid, start_time(pid));
	if (fgets(line, sizeof(line), in)) /* the old owner line */
		while (fgets(line, sizeof(line), in))
			fputs(line, out);
	if (bundle)
		fprintf(out, "bundle %s\n", bundle);
	if (fflush(out) != 0 || rename(tmp, p) < 0) {
		unlink(tmp);
		return moat_error_set(err, EIO, "state file %s: write failed", p);
	}
	return 0;
}

int sbx_state_read(const char *name, struct sbx_state *st, struct moat_error *err)
{
	char p[PATH_MAX + 256], line[PATH_MAX + 16], mark[16] = "";
	if (state_path(name, p, sizeof(p), err) < 0)
		return -1;
	MOAT_AUTO(fclose) FILE *f = fopen(p, "re");
	if (!f)
		return moat_error_set(err, errno == ENOENT ? ENOENT : errno, "%s",
				      errno == ENOENT ? "no such container" : strerror(errno));
	int pid = 0;
	unsigned long long t = 0;
	*st = (struct sbx_state){ 0 };
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%d %llu %15s", &pid, &t, mark) < 2)
		return moat_error_set(err, EIO, "state file %s is damaged", p);
	st->pid = pid;
	st->alive = pid > 0 && start_time(pid) == t;
	st->detached = !strcmp(mark, "detached");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		int init;
		struct statfs sf;
		size_t n = strlen(line);
		if (sscanf(line, "init %d", &init) == 1) {
			st->init = init;
		} else if (!strncmp(line, "bundle ", 7)) {
			n = strnlen(line + 7, sizeof(st->bundle) - 1);
			memcpy(st->bundle, line + 7, n);
			st->bundle[n] = '\0';
		} else if (line[0] == '/' && !st->cgroup_v2[0] && n < sizeof(st->cgroup_v2) &&
			   statfs(line, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
			memcpy(st->cgroup_v2, line, n + 1);
		}
	}
	return 0;
}

void sbx_state_purge(const char *name)
{
	char p[PATH_MAX + 256];
	if (state_path(name, p, sizeof(p), NULL) == 0)
		recover_file(p, true);
	if (sbx_state_gate_path(name, p, sizeof(p), NULL) == 0)
		unlink(p);
}
