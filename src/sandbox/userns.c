/*
 * The user namespace of a rootless container.  An unprivileged process may
 * write exactly one mapping line for its own uid and gid, and only after
 * denying setgroups (which could otherwise drop a group that denies access
 * to a file): the caller becomes root inside, and everything else stays
 * unmapped (nobody).  Root inside has capabilities over the container's own
 * namespaces only; on the host it is still the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"
#include "util/cleanup.h"

static int write_proc(pid_t pid, const char *file, const char *s, struct moat_error *err)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
	MOAT_AUTO(close) int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, s, strlen(s)) < 0)
		return moat_error_set(err, errno, "user namespace: writing %s: %s", p, strerror(errno));
	return 0;
}

int sbx_userns_map(pid_t pid, uid_t uid, gid_t gid, struct moat_error *err)
{
	char line[64];
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)uid);
	if (write_proc(pid, "uid_map", line, err) < 0)
		return -1;
	if (write_proc(pid, "setgroups", "deny", err) < 0)
		return -1;
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)gid);
	return write_proc(pid, "gid_map", line, err);
}
