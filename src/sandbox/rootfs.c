/*
 * The container's file system, built inside its own mount namespace:
 *
 *  1. Every mount becomes private, so nothing done here propagates back to
 *     the host (and host mounts made later do not leak in).
 *  2. The root directory is bind-mounted onto itself: pivot_root needs a
 *     mount point, and the bind carries its submounts along.
 *  3. /proc (a fresh instance for the new PID namespace), /sys (read-only),
 *     a minimal /dev on tmpfs (null, zero, full, random, urandom, tty, a
 *     private devpts, shm, fd links), volumes and tmpfs mounts go in.
 *  4. pivot_root(".", ".") then a lazy unmount of the old root: the host's
 *     tree is no longer reachable from any path.
 *  5. Masked paths (kernel memory, keys, timers, firmware) are covered with
 *     /dev/null or an empty read-only tmpfs, the OCI read-only paths
 *     (/proc/sys, /proc/sysrq-trigger, ...) are remounted read-only, and the
 *     root itself too with --read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"

#define MNT_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static int fail(struct moat_error *err, const char *what, const char *path)
{
	return moat_error_set(err, errno, "%s %s: %s", what, path, strerror(errno));
}

/* Sets (and never clears) the read-only flag on the mount at path. */
static int make_readonly(const char *path, bool recursive, struct moat_error *err)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &a, sizeof(a)) < 0)
		return fail(err, "making read-only", path);
	return 0;
}

/* path (absolute, inside the container) opened O_PATH from the root's fd,
 * every symlink resolved as if root were "/": nothing in the image can
 * lead outside it. */
static int open_in_root(int rfd, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	return (int)syscall(SYS_openat2, rfd, path[0] ? path : "/", &how, sizeof(how));
}

/* Creates the missing last component of prefix (a directory, or a file
 * when file) inside its parent, itself resolved inside the root. */
static int create_in_root(int rfd, char *prefix, char *slash, bool file)
{
	*slash = '\0';
	int pfd = open_in_root(rfd, prefix);
	*slash = '/';
	if (pfd < 0)
		return -1;
	int r = file ? openat(pfd, slash + 1, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644)
		     : mkdirat(pfd, slash + 1, 0755);
	int e = errno;
	if (r >= 0 && file)
		close(r);
	close(pfd);
	errno = e;
	return r < 0 && e != EEXIST ? -1 : 0;
}

/*
 * The mount target for container path `path`: each missing directory is
 * created (a file at the end when !dir), every step resolved inside root.
 * Returns an O_PATH fd the caller closes, with out = "/proc/self/fd/N" to
 * hand to mount(2) (as runc does), or -1.
 */
static int target(const char *root, const char *path, bool dir, char *out, struct moat_error *err)
{
	char buf[PATH_MAX];
	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return moat_error_set(err, ENAMETOOLONG, "path too long: %s", path);
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return fail(err, "opening", root);
	int fd = -1;
	for (char *slash = strchr(buf, '/'); slash;) {
		char *next = strchr(slash + 1, '/');
		bool last = !next || !next[1];
		if (next)
			*next = '\0';
		fd = slash[1] ? open_in_root(rfd, buf) : -1;
		if (slash[1] && fd < 0 && errno == ENOENT &&
		    create_in_root(rfd, buf, slash, last && !dir) == 0)
			fd = open_in_root(rfd, buf);
		int e = errno;
		if (next)
			*next = '/';
		if (slash[1] && fd < 0) {
			close(rfd);
			errno = e;
			return fail(err, "creating", path);
		}
		if (last)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
		slash = next;
	}
	if (fd < 0)
		fd = open_in_root(rfd, buf);
	close(rfd);
	if (fd < 0)
		return fail(err, "opening", path);
	snprintf(out, PATH_MAX, "/proc/self/fd/%d", fd);
	return fd;
}

static int mount_fs(const char *root, const char *path, const char *type, unsigned long flags,
		    const char *data, struct moat_error *err)
{
	char t[PATH_MAX];
	int fd = target(root, path, true, t, err);
	if (fd < 0)
		return -1;
	int r = mount(type, t, type, flags, data);
	close(fd);
	return r < 0 ? fail(err, "mounting", path) : 0;
}

/* Binds host path src at container path dst. */
static int bind_at(const char *root, const char *src, const char *dst, bool ro, struct moat_error *err)
{
	struct stat st;
	char t[PATH_MAX];
	if (stat(src, &st) < 0)
		return fail(err, "volume source", src);
	int fd = target(root, dst, S_ISDIR(st.st_mode), t, err);
	if (fd < 0)
		return -1;
	int r = mount(src, t, NULL, MS_BIND | MS_REC, NULL);
	close(fd);
	if (r < 0)
		return fail(err, "binding", src);
	if (!ro)
		return 0;
	/* reopened: the new mount is on top of the fd's directory */
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = rfd < 0 ? -1 : open_in_root(rfd, dst);
	if (rfd >= 0)
		close(rfd);
	if (fd < 0)
		return fail(err, "opening", dst);
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	r = (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a));
	close(fd);
	return r < 0 ? fail(err, "making read-only", dst) : 0;
}

/* One device node: mknod where allowed, else a bind of the host's node. */
static int dev_node(const char *root, const struct moat_device_rule *d, bool userns,
		    struct moat_error *err)
{
	char t[PATH_MAX];
	if ((size_t)snprintf(t, sizeof(t), "%s%s", root, d->path) >= sizeof(t))
		return moat_error_set(err, ENAMETOOLONG, "device path too long");
	mode_t type = d->type == 'b' ? S_IFBLK : S_IFCHR;
	if (!userns && strncmp(d->path, "/dev/", 5) == 0 && !strchr(d->path + 5, '/')) {
		if (mknod(t, type | 0666, makedev(d->major, d->minor)) == 0 || errno == EEXIST)
			return 0;
	}
	return bind_at(root, d->path, d->path, false, err);
}

static int setup_dev(const struct moat_sandbox_spec *spec, const struct sbx_rootfs_opts *o,
		     struct moat_error *err)
{
	const char *r = o->root;
	char p[PATH_MAX];
	if (mount_fs(r, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", err) < 0)
		return -1;
	for (size_t i = 0; i < sbx_n_default_devices; i++)
		if (sbx_default_devices[i].path && dev_node(r, &sbx_default_devices[i], o->userns, err) < 0)
			return -1;
	for (size_t i = 0; i < spec->n_devices; i++)
		if (dev_node(r, &spec->devices[i], o->userns, err) < 0)
			return -1;
	if (mount_fs(r, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     o->userns ? "newinstance,ptmxmode=0666,mode=0620"
			       : "newinstance,ptmxmode=0666,mode=0620,gid=5", err) < 0 ||
	    mount_fs(r, "/dev/shm", "tmpfs", MNT_SAFE, "mode=1777,size=65536k", err) < 0)
		return -1;
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(p, sizeof(p), "%s/dev/%s", r, links[i][1]);
		if (symlink(links[i][0], p) < 0)
			return fail(err, "creating", p);
	}
	if (o->console) {
		int fd = target(r, "/dev/console", false, p, err);
		if (fd < 0)
			return -1;
		int m = mount(o->console, p, NULL, MS_BIND, NULL);
		close(fd);
		if (m < 0)
			return fail(err, "binding the terminal at", "/dev/console");
	}
	return 0;
}

static int setup_mounts(const struct moat_sandbox_spec *spec, const struct sbx_rootfs_opts *o,
			struct moat_error *err)
{
	const char *r = o->root;
	if (mount_fs(r, "/proc", "proc", MNT_SAFE, NULL, err) < 0)
		return -1;
	if (o->own_netns) {
		if (mount_fs(r, "/sys", "sysfs", MNT_SAFE | MS_RDONLY, NULL, err) < 0)
			return -1;
	} else if (bind_at(r, "/sys", "/sys", true, err) < 0) {
		return -1;
	}
	if (setup_dev(spec, o, err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_volumes; i++)
		if (bind_at(r, spec->volumes[i].src, spec->volumes[i].dst, spec->volumes[i].ro, err) < 0)
			return -1;
	for (size_t i = 0; i < spec->n_tmpfs; i++)
		if (mount_fs(r, spec->tmpfs[i], "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", err) < 0)
			return -1;
	return 0;
}

/* Covers the masked paths and makes the read-only ones so (after pivot_root). */
static int protect_paths(struct moat_error *err)
{
	struct stat st;
	for (size_t i = 0; i < sizeof(masked_paths) / sizeof(masked_paths[0]); i++) {
		const char *p = masked_paths[i];
		if (stat(p, &st) < 0)
			continue; /* absent on this kernel: nothing to hide */
		int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY | MNT_SAFE, "size=0")
					    : mount("/dev/null", p, NULL, MS_BIND, NULL);
		if (r < 0)
			return fail(err, "masking", p);
	}
	for (size_t i = 0; i < sizeof(readonly_paths) / sizeof(readonly_paths[0]); i++) {
		const char *p = readonly_paths[i];
		if (stat(p, &st) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
			return fail(err, "binding", p);
		if (make_readonly(p, true, err) < 0)
			return -1;
	}
	return 0;
}

int sbx_rootfs_setup(const struct moat_sandbox_spec *spec, const struct sbx_rootfs_opts *o,
		     struct moat_error *err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(err, "making mounts private under", "/");
	if (mount(o->root, o->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(err, "binding the root", o->root);
	if (setup_mounts(spec, o, err) < 0)
		return -1;
	/* pivot_root(".", "."): the old root ends up stacked under the new one
	 * at "/", and the lazy unmount removes it from this namespace for good. */
	if (chdir(o->root) < 0)
		return fail(err, "entering", o->root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(err, "pivot_root to", o->root);
	if (umount2(".", MNT_DETACH) < 0)
		return fail(err, "detaching the old root", "/");
	if (chdir("/") < 0)
		return fail(err, "entering", "/");
	if (protect_paths(err) < 0)
		return -1;
	if (spec->read_only && make_readonly("/", false, err) < 0)
		return -1;
	return 0;
}
