/*
 * The device allowlist.  The container's /dev holds only the nodes below
 * (and those given with --device); the devices cgroup additionally refuses
 * to open or create any other node, so a node smuggled in through a volume,
 * or made with mknod, stays useless.  On v1 the rules are written to
 * devices.deny ("a": everything) and devices.allow; on v2 they become a
 * cgroup-device BPF program (compile/devices) attached to the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat/kernel.h>
#include <moat/kernel_cgroup.h>

#include "sandbox/sandbox_internal.h"
#include "util/cleanup.h"

const struct moat_device_rule sbx_default_devices[] = {
	{ "/dev/null", 'c', 1, 3, MOAT_DEV_READ | MOAT_DEV_WRITE },
	{ "/dev/zero", 'c', 1, 5, MOAT_DEV_READ | MOAT_DEV_WRITE },
	{ "/dev/full", 'c', 1, 7, MOAT_DEV_READ | MOAT_DEV_WRITE },
	{ "/dev/random", 'c', 1, 8, MOAT_DEV_READ | MOAT_DEV_WRITE },
	{ "/dev/urandom", 'c', 1, 9, MOAT_DEV_READ | MOAT_DEV_WRITE },
	{ "/dev/tty", 'c', 5, 0, MOAT_DEV_READ | MOAT_DEV_WRITE },
	{ NULL, 'c', 5, 1, MOAT_DEV_READ | MOAT_DEV_WRITE },   /* /dev/console */
	{ NULL, 'c', 5, 2, MOAT_DEV_READ | MOAT_DEV_WRITE },   /* /dev/pts/ptmx */
	{ NULL, 'c', 136, -1, MOAT_DEV_READ | MOAT_DEV_WRITE }, /* /dev/pts/N */
};
const size_t sbx_n_default_devices = sizeof(sbx_default_devices) / sizeof(sbx_default_devices[0]);

/* "c 1:3 rw" */
static void rule_text(const struct moat_device_rule *d, char *buf, size_t len)
{
	char maj[24] = "*", min[24] = "*";
	if (d->major >= 0)
		snprintf(maj, sizeof(maj), "%ld", d->major);
	if (d->minor >= 0)
		snprintf(min, sizeof(min), "%ld", d->minor);
	snprintf(buf, len, "%c %s:%s %s%s%s", d->type, maj, min, d->access & MOAT_DEV_READ ? "r" : "",
		 d->access & MOAT_DEV_WRITE ? "w" : "", d->access & MOAT_DEV_MKNOD ? "m" : "");
}

static int put(int fd, const char *path, const char *rule, struct moat_error *err)
{
	/* each write() is one rule: the kernel parses one line per call */
	if (write(fd, rule, strlen(rule)) < 0)
		return moat_error_set(err, errno, "devices cgroup: writing '%s' to %s: %s", rule, path,
				      strerror(errno));
	return 0;
}

int sbx_devices_v1(const char *dir, const struct moat_sandbox_spec *spec, struct moat_error *err)
{
	char deny[PATH_MAX + 16], allow[PATH_MAX + 16], rule[96];
	snprintf(deny, sizeof(deny), "%s/devices.deny", dir);
	snprintf(allow, sizeof(allow), "%s/devices.allow", dir);
	MOAT_AUTO(close) int dfd = open(deny, O_WRONLY | O_CLOEXEC);
	MOAT_AUTO(close) int afd = open(allow, O_WRONLY | O_CLOEXEC);
	if (dfd < 0 || afd < 0)
		return moat_error_set(err, errno, "devices cgroup: opening %s: %s", dir, strerror(errno));
	if (put(dfd, deny, "a", err) < 0)
		return -1;
	for (size_t i = 0; i < sbx_n_default_devices + spec->n_devices; i++) {
		const struct moat_device_rule *d = i < sbx_n_default_devices
			? &sbx_default_devices[i] : &spec->devices[i - sbx_n_default_devices];
		rule_text(d, rule, sizeof(rule));
		if (put(afd, allow, rule, err) < 0)
			return -1;
	}
	return 0;
}

int sbx_devices_v2(const char *dir, const struct moat_sandbox_spec *spec, struct moat_error *err)
{
	size_t n = sbx_n_default_devices + spec->n_devices;
	struct moat_device_rule *rules = calloc(n, sizeof(*rules));
	if (!rules)
		return moat_error_set(err, ENOMEM, "out of memory");
	memcpy(rules, sbx_default_devices, sbx_n_default_devices * sizeof(*rules));
	if (spec->n_devices)
		memcpy(rules + sbx_n_default_devices, spec->devices, spec->n_devices * sizeof(*rules));
	struct moat_prog *prog = moat_devices_prog(rules, n, err);
	free(rules);
	struct moat_kprog *kp = prog ? moat_kernel_load(prog, NULL, err) : NULL;
	moat_prog_free(prog);
	if (!kp)
		return -1;
	/* Exclusive: the program is the directory's one device filter, no
	 * descendant may loosen it, and the kernel drops it with the directory. */
	int r = moat_cgroup_attach(moat_kprog_fd(kp), dir, MOAT_CGROUP_DEVICE, MOAT_CGROUP_EXCLUSIVE, err);
	moat_kprog_free(kp);
	return r;
}
