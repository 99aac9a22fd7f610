/*
 * Cgroup attachment: kernel programs (device filters, cgroup_skb packet
 * programs, socket hooks) attached to a cgroup v2 directory, either as the
 * directory's own program (BPF_PROG_ATTACH; it lives as long as the
 * directory or until detached) or through a BPF link (it lives while the
 * link fd is open or pinned).
 */
#ifndef MOAT_KERNEL_CGROUP_H
#define MOAT_KERNEL_CGROUP_H

#include <stdint.h>

#include <moat/error.h>

enum moat_cgroup_hook {
	MOAT_CGROUP_DEVICE,	  /* cgroup_device: device node access (BPF_CGROUP_DEVICE) */
	MOAT_CGROUP_INET_INGRESS, /* cgroup_skb: packets received (BPF_CGROUP_INET_INGRESS) */
	MOAT_CGROUP_INET_EGRESS,  /* cgroup_skb: packets sent (BPF_CGROUP_INET_EGRESS) */
	MOAT_CGROUP_SOCK_CREATE,  /* cgroup_sock: socket(2) (BPF_CGROUP_INET_SOCK_CREATE) */
};

/* How an attachment shares the hook with others (BPF_F_* of BPF_PROG_ATTACH). */
enum moat_cgroup_mode {
	MOAT_CGROUP_EXCLUSIVE, /* the one program at this hook; descendants may not add theirs */
	MOAT_CGROUP_OVERRIDE,  /* descendants may replace it with their own */
	MOAT_CGROUP_MULTI,     /* one of several; all of them run, in attach order */
};

/* The kernel's enum bpf_attach_type for `hook`, -EINVAL for an unknown one. */
MOAT_API int moat_cgroup_attach_type(enum moat_cgroup_hook hook);

/*
 * Attaches program prog_fd to the cgroup v2 directory `dir` at `hook`.
 * The attachment holds a reference to the program: the caller may close
 * prog_fd.  0 or -errno: ENOENT/ENOTDIR (no such cgroup), EBADF (not a
 * cgroup v2 directory), EPERM when an exclusive program is already there
 * or an ancestor forbids it, EINVAL when the program's type does not fit
 * the hook.  The message names the directory and the hook.
 */
MOAT_API int moat_cgroup_attach(int prog_fd, const char *dir, enum moat_cgroup_hook hook,
				enum moat_cgroup_mode mode, struct moat_error *err);

/* Detaches program prog_fd from `dir` at `hook`.  0 or -errno (ENOENT when
 * that program is not attached there). */
MOAT_API int moat_cgroup_detach(int prog_fd, const char *dir, enum moat_cgroup_hook hook,
				struct moat_error *err);

/*
 * Attaches prog_fd to `dir` at `hook` through a BPF link (multi mode).
 * Returns the link fd, which the caller closes (closing it detaches unless
 * the link is pinned), or -errno as moat_cgroup_attach().
 */
MOAT_API int moat_cgroup_link(int prog_fd, const char *dir, enum moat_cgroup_hook hook,
			      struct moat_error *err);

/*
 * The kernel ids of the programs attached to `dir` at `hook` (attached to
 * the directory itself, not inherited): up to `max` into ids; returns how
 * many are attached (may exceed max) or -errno.
 */
MOAT_API int moat_cgroup_query(const char *dir, enum moat_cgroup_hook hook, uint32_t *ids,
			       uint32_t max, struct moat_error *err);

#endif
