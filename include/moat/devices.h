/*
 * Device policies: an allowlist of device nodes compiled to a cgroup-device
 * BPF program (the device control of cgroup v2, which has no devices.allow
 * file).  The sandbox uses it for every container; the rules are the
 * devices.allow lines of cgroup v1 in structured form.
 */
#ifndef MOAT_DEVICES_H
#define MOAT_DEVICES_H

#include <stddef.h>

#include <moat/common.h>
#include <moat/error.h>

struct moat_prog;

/* Access bits of a device rule (the v1 devices.allow letters r, w, m). */
enum { MOAT_DEV_READ = 1, MOAT_DEV_WRITE = 2, MOAT_DEV_MKNOD = 4 };

/* One allowed device: type 'c' or 'b', numbers (-1 is "any"), access bits. */
struct moat_device_rule {
	const char *path; /* the node, bound into the container's /dev; NULL: none */
	char type;
	long major, minor;
	unsigned access;
};

/*
 * Compiles a device allowlist to a cgroup-device BPF program: 1 (allow)
 * when the device's type and numbers match a rule whose access bits
 * include every bit asked for, else 0.  Verified by moat before it is
 * returned; free with moat_prog_free().  n may be 0 (everything denied).
 * NULL on error.
 */
MOAT_API struct moat_prog *moat_devices_prog(const struct moat_device_rule *rules, size_t n,
					     struct moat_error *err);

#endif
