/*
 * The OCI lifecycle after create (run.c makes created containers): start
 * opens the start gate, state reads the state file and the init's
 * liveness, kill signals the init, delete removes what the container left.
 * A container's status follows from two facts: whether its init is alive
 * and whether the start gate (a fifo beside the state) still exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"

const char *moat_container_status_name(enum moat_container_status s)
{
	static const char *const names[] = { "created", "running", "stopped" };
	return (unsigned)s < 3 ? names[s] : "unknown";
}

int moat_sandbox_state(const char *name, struct moat_container_state *st, struct moat_error *err)
{
	struct sbx_state s;
	char gate[PATH_MAX];
	if (sbx_name_check(name, err) < 0 || sbx_state_read(name, &s, err) < 0 ||
	    sbx_state_gate_path(name, gate, sizeof(gate), err) < 0) {
		if (err && err->errnum == ENOENT)
			moat_error_set(err, ENOENT, "no container named '%s'", name);
		return -1;
	}
	*st = (struct moat_container_state){ .pid = s.pid, .detached = s.detached };
	memcpy(st->bundle, s.bundle, sizeof(st->bundle));
	if (!s.alive)
		st->status = MOAT_CONTAINER_STOPPED;
	else if (s.detached && access(gate, F_OK) == 0)
		st->status = MOAT_CONTAINER_CREATED;
	else
		st->status = MOAT_CONTAINER_RUNNING;
	return 0;
}

int moat_sandbox_start(const char *name, struct moat_error *err)
{
	struct moat_container_state st;
	if (moat_sandbox_state(name, &st, err) < 0)
		return -1;
	if (st.status != MOAT_CONTAINER_CREATED)
		return moat_error_set(err, EINVAL, "container '%s' is %s, not created", name,
				      moat_container_status_name(st.status));
	char gate[PATH_MAX];
	if (sbx_state_gate_path(name, gate, sizeof(gate), err) < 0)
		return -1;
	/* the init holds the fifo open for reading, so this open does not block */
	int fd = open(gate, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, errno, "start gate %s: %s", gate, strerror(errno));
	bool ok = write(fd, "s", 1) == 1;
	close(fd);
	unlink(gate);
	if (!ok)
		return moat_error_set(err, errno, "start gate %s: %s", gate, strerror(errno));
	return 0;
}

int moat_sandbox_kill(const char *name, int sig, struct moat_error *err)
{
	struct moat_container_state st;
	if (moat_sandbox_state(name, &st, err) < 0)
		return -1;
	if (st.status == MOAT_CONTAINER_STOPPED)
		return moat_error_set(err, ESRCH, "container '%s' is stopped", name);
	if (kill(st.pid, sig) < 0)
		return moat_error_set(err, errno, "signalling container '%s' (pid %d): %s", name,
				      (int)st.pid, strerror(errno));
	return 0;
}

/* Waits up to two seconds for the container's init to be gone. */
static bool wait_stopped(const char *name)
{
	for (int i = 0; i < 400; i++) {
		struct moat_container_state st;
		if (moat_sandbox_state(name, &st, NULL) < 0 || st.status == MOAT_CONTAINER_STOPPED)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	}
	return false;
}

int moat_sandbox_delete(const char *name, bool force, struct moat_error *err)
{
	struct moat_container_state st;
	if (moat_sandbox_state(name, &st, err) < 0)
		return -1;
	if (st.status != MOAT_CONTAINER_STOPPED) {
		if (!force)
			return moat_error_set(err, EBUSY, "container '%s' is %s: stop it first, or "
							  "delete --force",
					      name, moat_container_status_name(st.status));
		kill(st.pid, SIGKILL);
		if (!wait_stopped(name))
			return moat_error_set(err, EBUSY, "container '%s' (pid %d) did not stop", name,
					      (int)st.pid);
	}
	/* the veth pair of a private network went with the namespace */
	sbx_state_purge(name);
	return 0;
}
