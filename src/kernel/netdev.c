/* XDP and TC attachment with BPF links, pinning (include/moat/kernel_netdev.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/magic.h>

#include <moat/kernel_netdev.h>

#define BPFFS "/sys/fs/bpf"

/* tcx (Linux 6.6) is newer than Debian 12's uapi headers; the numbers are ABI. */
#define MOAT_TCX_INGRESS ((enum bpf_attach_type)46)
#define MOAT_TCX_EGRESS ((enum bpf_attach_type)47)

int moat_netdev_ifindex(const char *name, struct moat_error *err)
{
	unsigned idx = strlen(name) < IF_NAMESIZE ? if_nametoindex(name) : 0;
	if (!idx)
		return moat_error_set(err, ENODEV, "no network interface '%s'", name);
	return (int)idx;
}

int moat_netdev_attach(int prog_fd, int ifindex, enum moat_netdev_hook hook,
		       struct moat_error *err)
{
	static const enum bpf_attach_type types[] = {
		[MOAT_NETDEV_XDP] = BPF_XDP,
		[MOAT_NETDEV_TC_INGRESS] = MOAT_TCX_INGRESS,
		[MOAT_NETDEV_TC_EGRESS] = MOAT_TCX_EGRESS,
	};
	static const char *names[] = { "XDP", "TC ingress", "TC egress" };
	if ((unsigned)hook > MOAT_NETDEV_TC_EGRESS)
		return moat_error_set(err, EINVAL, "unknown hook %d", (int)hook);
	int fd = bpf_link_create(prog_fd, ifindex, types[hook], NULL);
	if (fd < 0) {
		int e = errno;
		char name[IF_NAMESIZE] = "?";
		if_indextoname((unsigned)ifindex, name);
		return moat_error_set(err, e, "attaching at %s of %s: %s%s", names[hook], name,
				      strerror(e),
				      e == EBUSY || e == EEXIST ? " (another program is attached)" : "");
	}
	return fd;
}

int moat_netdev_replace(int link_fd, int prog_fd, struct moat_error *err)
{
	if (bpf_link_update(link_fd, prog_fd, NULL) < 0)
		return moat_error_set(err, errno, "replacing the attached program: %s",
				      strerror(errno));
	return 0;
}

/* The BPF filesystem is where pinned objects live past the process. */
static int ensure_bpffs(struct moat_error *err)
{
	struct statfs st;
	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS, 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, errno, "creating %s: %s", BPFFS, strerror(errno));
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700") < 0)
		return moat_error_set(err, errno, "mounting the BPF filesystem on %s: %s", BPFFS,
				      strerror(errno));
	return 0;
}

int moat_bpffs_mkdir(const char *dir, struct moat_error *err)
{
	int r = ensure_bpffs(err);
	if (r < 0)
		return r;
	char path[512];
	if (snprintf(path, sizeof(path), "%s/%s", BPFFS, dir) >= (int)sizeof(path))
		return moat_error_set(err, ENAMETOOLONG, "path too long: %s", dir);
	for (char *p = path + strlen(BPFFS) + 1;; p++) {
		bool end = *p == 0;
		if (*p == '/' || end) {
			*p = 0;
			if (mkdir(path, 0700) < 0 && errno != EEXIST)
				return moat_error_set(err, errno, "creating %s: %s", path,
						      strerror(errno));
			if (end)
				break;
			*p = '/';
		}
	}
	return 0;
}

int moat_pin(int fd, const char *path, struct moat_error *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return moat_error_set(err, errno, "unpinning %s: %s", path, strerror(errno));
	if (bpf_obj_pin(fd, path) < 0)
		return moat_error_set(err, errno, "pinning %s: %s", path, strerror(errno));
	return 0;
}

int moat_pin_open(const char *path, struct moat_error *err)
{
	int fd = bpf_obj_get(path);
	if (fd < 0)
		return moat_error_set(err, errno, "opening pinned %s: %s", path, strerror(errno));
	return fd;
}
