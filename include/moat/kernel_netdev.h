/*
 * Network devices and pinning: attaching kernel programs at XDP or TC
 * (tcx) through BPF links, replacing a link's program atomically, pinning
 * objects under the BPF filesystem.
 */
#ifndef MOAT_KERNEL_NETDEV_H
#define MOAT_KERNEL_NETDEV_H

#include <moat/error.h>

enum moat_netdev_hook {
	MOAT_NETDEV_XDP,	/* XDP (driver mode when the driver has it, else generic) */
	MOAT_NETDEV_TC_INGRESS, /* tcx ingress */
	MOAT_NETDEV_TC_EGRESS,	/* tcx egress */
};

/* The interface index of `name`; -ENODEV (with a message) when there is none. */
MOAT_API int moat_netdev_ifindex(const char *name, struct moat_error *err);

/*
 * Attaches program prog_fd to interface ifindex at `hook` with a BPF link.
 * Returns the link fd (the caller closes it; the attachment lives while the
 * link is open or pinned) or a negative errno: EEXIST when another XDP
 * program is attached, EOPNOTSUPP, EPERM.
 */
MOAT_API int moat_netdev_attach(int prog_fd, int ifindex, enum moat_netdev_hook hook,
				struct moat_error *err);

/* Replaces the program of link link_fd by prog_fd in one step (packets
 * see the old program or the new one, never neither).  0 or -errno. */
MOAT_API int moat_netdev_replace(int link_fd, int prog_fd, struct moat_error *err);

/* Mounts the BPF filesystem on /sys/fs/bpf when it is not, and creates
 * directory `dir` (and its parents) under it.  0 or -errno. */
MOAT_API int moat_bpffs_mkdir(const char *dir, struct moat_error *err);

/* Pins fd at path, replacing what was pinned there.  0 or -errno. */
MOAT_API int moat_pin(int fd, const char *path, struct moat_error *err);

/* Opens the object pinned at path; returns an fd the caller closes, or -errno
 * (-ENOENT when nothing is pinned there). */
MOAT_API int moat_pin_open(const char *path, struct moat_error *err);

#endif
