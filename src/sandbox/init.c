/*
 * Inside the container.  The cloned child is the container's PID 1: it
 * waits until the outside has mapped its user and placed it in its cgroups,
 * builds the file system, then forks the command and stays behind as a
 * minimal init (like tini): it forwards the signals it is sent to the
 * command, reaps every orphan that lands on it, and when the command exits
 * it kills what is left and exits with the command's status (128+N when
 * signal N killed it).  A PID namespace dies with its init, so nothing the
 * command started survives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"

extern char **environ;

/* Signals the init passes on to the command instead of acting on them. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				 SIGWINCH, SIGCONT, SIGALRM, SIGPIPE };

static void send_msg(int fd, int kind, int status, const struct moat_error *e)
{
	struct sbx_msg m = { .kind = kind, .errnum = e->errnum, .status = status };
	snprintf(m.text, sizeof(m.text), "%s", e->msg);
	if (write(fd, &m, sizeof(m)) < 0) {
		/* the outside is gone; nobody is left to tell */
	}
}

/* The command's environment: defaults, then the spec's K=V words (a later
 * word replaces an earlier one with the same name). */
static char **build_env(const struct moat_sandbox_spec *s, const char *host)
{
	size_t cap = s->n_env + 5, n = 0;
	char **env = calloc(cap + 1, sizeof(*env));
	static char hostvar[300];
	if (!env)
		return NULL;
	snprintf(hostvar, sizeof(hostvar), "HOSTNAME=%s", host);
	env[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	env[n++] = hostvar;
	env[n++] = s->uid == 0 ? "HOME=/root" : "HOME=/";
	if (s->tty)
		env[n++] = "TERM=xterm";
	for (size_t i = 0; i < s->n_env; i++) {
		size_t kl = strcspn(s->env[i], "=");
		size_t j = 0;
		while (j < n && !(strncmp(env[j], s->env[i], kl) == 0 && env[j][kl] == '='))
			j++;
		env[j] = (char *)s->env[i];
		if (j == n)
			n++;
	}
	return env;
}

/* Becomes the command: session, terminal, user, capabilities, then execve. */
static void exec_command(const struct sbx_child_args *a, const sigset_t *old, const char *host)
{
	const struct moat_sandbox_spec *s = a->spec;
	struct moat_error e = { 0 };
	sigprocmask(SIG_SETMASK, old, NULL);
	setsid();
	if (a->tty_fd >= 0) {
		if (ioctl(a->tty_fd, TIOCSCTTY, 0) < 0 || dup2(a->tty_fd, 0) < 0 ||
		    dup2(a->tty_fd, 1) < 0 || dup2(a->tty_fd, 2) < 0) {
			moat_error_set(&e, errno, "attaching the terminal: %s", strerror(errno));
			goto fail;
		}
		close(a->tty_fd);
	} else if (!s->interactive) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, 0), close(fd);
	}
	umask(022);
	/* Privilege drop, in the order that keeps each step possible: bounding
	 * set (needs CAP_SETPCAP), supplementary groups (root only, and not in a
	 * user namespace that denies setgroups), gid then uid with KEEPCAPS so a
	 * non-root user keeps the kept set until execve, then the final sets and
	 * no_new_privs. */
	if (sbx_caps_bound(s->caps, &e) < 0)
		goto fail;
	if (!a->userns && setgroups(0, NULL) < 0) {
		moat_error_set(&e, errno, "clearing supplementary groups: %s", strerror(errno));
		goto fail;
	}
	if (s->uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		moat_error_set(&e, errno, "keeping capabilities: %s", strerror(errno));
		goto fail;
	}
	if (setresgid(s->gid, s->gid, s->gid) < 0 || setresuid(s->uid, s->uid, s->uid) < 0) {
		moat_error_set(&e, errno, "switching to user %u:%u: %s", (unsigned)s->uid,
			       (unsigned)s->gid, strerror(errno));
		goto fail;
	}
	if (sbx_caps_apply(s->caps, &e) < 0)
		goto fail;
	if (chdir(s->workdir ? s->workdir : "/") < 0) {
		moat_error_set(&e, errno, "working directory %s: %s", s->workdir, strerror(errno));
		goto fail;
	}
	char **env = build_env(s, host);
	if (!env) {
		moat_error_set(&e, ENOMEM, "out of memory");
		goto fail;
	}
	if (sbx_filter_install(a->filter, a->filter_len, &e) < 0)
		goto fail;
	environ = env; /* execvp searches the container's PATH */
	execvp(s->argv[0], s->argv);
	int st = errno == ENOENT ? 127 : 126;
	moat_error_set(&e, errno, "executing %s: %s", s->argv[0], strerror(errno));
	send_msg(a->msg_fd, SBX_MSG_EXEC, st, &e);
	_exit(st);
fail:
	send_msg(a->msg_fd, SBX_MSG_SETUP, 1, &e);
	_exit(1);
}

static int wait_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

/* PID 1's loop: forward signals, reap, and leave with the command. */
static int init_loop(pid_t cmd, const sigset_t *set)
{
	int status = 1;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		int st;
		pid_t p;
		bool done = false;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == cmd) {
				status = wait_status(st);
				done = true;
			}
		if (done)
			break;
	}
	kill(-1, SIGKILL); /* everything else in this PID namespace */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return status;
}

int sbx_child_main(void *arg)
{
	const struct sbx_child_args *a = arg;
	const struct moat_sandbox_spec *s = a->spec;
	struct moat_error e = { 0 };
	char c;
	/* Die with moat, whatever kills it; the PID namespace (every process of
	 * the container) dies with us.  If moat died before this line, the
	 * read below sees end-of-file and we leave. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sigprocmask(SIG_SETMASK, &a->sigmask, NULL);
	struct sbx_net net = { .slot = -1 };
	if (read(a->sync_fd, &c, 1) != 1 ||
	    (s->net == MOAT_NET_PRIVATE && read(a->sync_fd, &net, sizeof(net)) != (ssize_t)sizeof(net)))
		_exit(1);
	close(a->sync_fd);
	if (sbx_cgroup_join(a->cgroup, &e) < 0)
		goto fail;
	if (s->net != MOAT_NET_HOST && sbx_net_lo_up(&e) < 0)
		goto fail;
	if (net.slot >= 0 && sbx_net_setup_peer(&net, &e) < 0)
		goto fail;
	umask(0);
	const char *host = s->hostname ? s->hostname : s->name;
	if (a->cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
		moat_error_set(&e, errno, "cgroup namespace: %s", strerror(errno));
		goto fail;
	}
	if (sethostname(host, strlen(host)) < 0) {
		moat_error_set(&e, errno, "setting the hostname: %s", strerror(errno));
		goto fail;
	}
	if (sbx_rootfs_setup(s, &a->rootfs, &e) < 0 || sbx_rlimits_apply(s, &e) < 0)
		goto fail;
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid_t cmd = fork();
	if (cmd < 0) {
		moat_error_set(&e, errno, "fork: %s", strerror(errno));
		goto fail;
	}
	if (cmd == 0)
		exec_command(a, &old, host);
	if (a->tty_fd >= 0)
		close(a->tty_fd);
	return init_loop(cmd, &set);
fail:
	send_msg(a->msg_fd, SBX_MSG_SETUP, 1, &e);
	return 1;
}
