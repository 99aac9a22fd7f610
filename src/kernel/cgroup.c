/* Cgroup attachment through libbpf's low-level calls (include/moat/kernel_cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <moat/kernel_cgroup.h>

#include "util/cleanup.h"

static const char *const hook_names[] = {
	[MOAT_CGROUP_DEVICE] = "device",
	[MOAT_CGROUP_INET_INGRESS] = "inet ingress",
	[MOAT_CGROUP_INET_EGRESS] = "inet egress",
	[MOAT_CGROUP_SOCK_CREATE] = "socket create",
};

int moat_cgroup_attach_type(enum moat_cgroup_hook hook)
{
	static const enum bpf_attach_type types[] = {
		[MOAT_CGROUP_DEVICE] = BPF_CGROUP_DEVICE,
		[MOAT_CGROUP_INET_INGRESS] = BPF_CGROUP_INET_INGRESS,
		[MOAT_CGROUP_INET_EGRESS] = BPF_CGROUP_INET_EGRESS,
		[MOAT_CGROUP_SOCK_CREATE] = BPF_CGROUP_INET_SOCK_CREATE,
	};
	if ((unsigned)hook >= sizeof(types) / sizeof(types[0]))
		return -EINVAL;
	return (int)types[hook];
}

/* The directory's fd and the hook's attach type, or -errno with a message. */
static int open_target(const char *dir, enum moat_cgroup_hook hook, int *type,
		       struct moat_error *err)
{
	if ((*type = moat_cgroup_attach_type(hook)) < 0)
		return moat_error_set(err, EINVAL, "unknown cgroup hook %d", (int)hook);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, errno, "cgroup %s: %s", dir, strerror(errno));
	return fd;
}

static int failed(const char *what, const char *dir, enum moat_cgroup_hook hook,
		  struct moat_error *err)
{
	int e = errno;
	const char *why = e == EBADF ? " (not a cgroup v2 directory)"
			: e == EPERM ? " (an exclusive program is attached, or not permitted)"
			: "";
	return moat_error_set(err, e, "%s the %s program of cgroup %s: %s%s", what,
			      hook_names[hook], dir, strerror(e), why);
}

int moat_cgroup_attach(int prog_fd, const char *dir, enum moat_cgroup_hook hook,
		       enum moat_cgroup_mode mode, struct moat_error *err)
{
	static const unsigned flags[] = {
		[MOAT_CGROUP_EXCLUSIVE] = 0,
		[MOAT_CGROUP_OVERRIDE] = BPF_F_ALLOW_OVERRIDE,
		[MOAT_CGROUP_MULTI] = BPF_F_ALLOW_MULTI,
	};
	if ((unsigned)mode > MOAT_CGROUP_MULTI)
		return moat_error_set(err, EINVAL, "unknown cgroup attach mode %d", (int)mode);
	int type;
	MOAT_AUTO(close) int fd = open_target(dir, hook, &type, err);
	if (fd < 0)
		return fd;
	if (bpf_prog_attach(prog_fd, fd, (enum bpf_attach_type)type, flags[mode]) < 0)
		return failed("attaching", dir, hook, err);
	return 0;
}

int moat_cgroup_detach(int prog_fd, const char *dir, enum moat_cgroup_hook hook,
		       struct moat_error *err)
{
	int type;
	MOAT_AUTO(close) int fd = open_target(dir, hook, &type, err);
	if (fd < 0)
		return fd;
	if (bpf_prog_detach2(prog_fd, fd, (enum bpf_attach_type)type) < 0)
		return failed("detaching", dir, hook, err);
	return 0;
}

int moat_cgroup_link(int prog_fd, const char *dir, enum moat_cgroup_hook hook,
		     struct moat_error *err)
{
	int type;
	MOAT_AUTO(close) int fd = open_target(dir, hook, &type, err);
	if (fd < 0)
		return fd;
	int link = bpf_link_create(prog_fd, fd, (enum bpf_attach_type)type, NULL);
	if (link < 0)
		return failed("linking", dir, hook, err);
	return link;
}

int moat_cgroup_query(const char *dir, enum moat_cgroup_hook hook, uint32_t *ids, uint32_t max,
		      struct moat_error *err)
{
	int type;
	MOAT_AUTO(close) int fd = open_target(dir, hook, &type, err);
	if (fd < 0)
		return fd;
	/* On ENOSPC the kernel still reports how many are attached. */
	uint32_t n = max;
	if (bpf_prog_query(fd, (enum bpf_attach_type)type, 0, NULL, ids, &n) < 0 && errno != ENOSPC)
		return failed("querying", dir, hook, err);
	return (int)n;
}
