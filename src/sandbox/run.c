/*
 * moat_sandbox_run: the outside half of a container.  Everything that can be
 * checked is checked before the first piece of kernel state exists; then,
 * in order: the name is claimed (state file), cgroups are made, the child is
 * cloned into new namespaces, given its user mapping and cgroups, and told
 * to go.  moat then relays signals (and the terminal) until the container's
 * PID 1 exits, and undoes the cgroups and the state in reverse order.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"
#include "util/cleanup.h"

/* The child runs on this stack until execve, the verifier of moat_seccomp_install
 * included: as large as a thread stack (pages are only touched as used). */
#define CHILD_STACK (8 * 1024 * 1024)

static const int relayed[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
			       SIGCONT, SIGALRM };

void sbx_note(const struct moat_sandbox_spec *spec, const char *fmt, ...)
{
	if (!spec->notes.write)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	spec->notes.write(spec->notes.arg, buf, n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* What can be checked before anything is created. */
static int validate(const struct moat_sandbox_spec *s, const char *name, char *root,
		    struct moat_error *err)
{
	struct stat st;
	if (!s->argv || !s->argv[0])
		return moat_error_set(err, EINVAL, "no command to run");
	if (!s->rootfs)
		return moat_error_set(err, EINVAL, "no root file system given");
	if (!realpath(s->rootfs, root) || stat(root, &st) < 0)
		return moat_error_set(err, errno, "rootfs %s: %s", s->rootfs, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return moat_error_set(err, ENOTDIR, "rootfs %s: not a directory", s->rootfs);
	if (!strcmp(root, "/"))
		return moat_error_set(err, EINVAL, "rootfs %s: the host's root cannot be a container's root",
				      s->rootfs);
	if (sbx_name_check(name, err) < 0)
		return -1;
	const char *h = s->hostname ? s->hostname : name;
	if (strlen(h) > 64)
		return moat_error_set(err, EINVAL, "hostname '%s' longer than 64 bytes", h);
	for (size_t i = 0; i < s->n_volumes; i++)
		if (stat(s->volumes[i].src, &st) < 0)
			return moat_error_set(err, errno, "volume source %s: %s", s->volumes[i].src,
					      strerror(errno));
	if (s->workdir && s->workdir[0] != '/')
		return moat_error_set(err, EINVAL, "working directory '%s' is not absolute", s->workdir);
	if (s->net == MOAT_NET_PRIVATE && geteuid() != 0)
		return moat_error_set(err, EPERM, "a private network needs root (it creates a veth pair "
						  "on the host); use --net none");
	return sbx_rlimits_check(s, err);
}

/* Reads the inside's report, if it sent one; returns 0 when none. */
static int read_msg(int fd, int *status, struct moat_error *err)
{
	struct sbx_msg m;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (read(fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		return 0;
	m.text[sizeof(m.text) - 1] = '\0';
	moat_error_set(err, m.errnum ? m.errnum : EIO, "%s", m.text);
	*status = m.kind == SBX_MSG_EXEC ? m.status : 1;
	return -(m.errnum ? m.errnum : EIO);
}

/* Relays signals (and the terminal) until pid exits; returns its status. */
static int wait_child(pid_t pid, int sfd, struct sbx_tty *tty)
{
	struct pollfd p[3] = { { .fd = sfd, .events = POLLIN }, { .fd = -1 }, { .fd = -1 } };
	if (tty) {
		p[1] = (struct pollfd){ .fd = tty->master, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	}
	for (;;) {
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents && !sbx_tty_pump(tty->master, STDOUT_FILENO))
			p[1].fd = -1;
		if (p[2].revents && !sbx_tty_pump(STDIN_FILENO, tty->master))
			p[2].fd = -1;
		if (!p[0].revents)
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGWINCH && tty) {
			sbx_tty_resize(tty);
		} else if (si.ssi_signo != SIGCHLD) {
			kill(pid, (int)si.ssi_signo);
			continue;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			while (tty && p[1].fd >= 0 && sbx_tty_pump(tty->master, STDOUT_FILENO))
				;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct run_state {
	struct sbx_child_args args;
	struct sbx_cgroup cg;
	struct sbx_tty tty;
	struct sbx_net net;
	int sync[2], msg[2], sfd;
	sigset_t old;
	void *stack;
};

/* The container's cgroup v2 directory, or NULL. */
static const char *cgroup_v2(const struct sbx_cgroup *cg)
{
	for (int c = 0; c < SBX_CG_N; c++)
		if (cg->created[c] && cg->v2[c])
			return cg->dir[c];
	return NULL;
}

/* Clones the container's PID 1, maps its user and lets it go (it joins its
 * cgroups itself); returns its pid or -1 (then nothing of it is left). */
static pid_t start_child(struct run_state *rs, bool rootless, struct moat_error *err)
{
	const struct moat_sandbox_spec *s = rs->args.spec;
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
	if (s->net != MOAT_NET_HOST)
		flags |= CLONE_NEWNET;
	if (rootless)
		flags |= CLONE_NEWUSER;
	rs->stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
			 -1, 0);
	if (rs->stack == MAP_FAILED) {
		rs->stack = NULL;
		return moat_error_set(err, errno, "child stack: %s", strerror(errno));
	}
	pid_t pid = clone(sbx_child_main, (char *)rs->stack + CHILD_STACK, flags, &rs->args);
	if (pid < 0)
		return moat_error_set(err, errno, "creating the container's namespaces: %s",
				      strerror(errno));
	close(rs->sync[1]);
	rs->sync[1] = -1;
	close(rs->msg[1]);
	rs->msg[1] = -1;
	bool priv = s->net == MOAT_NET_PRIVATE;
	if ((rootless && sbx_userns_map(pid, getuid(), getgid(), err) < 0) ||
	    (priv && sbx_net_create(&rs->net, pid, err) < 0) ||
	    sbx_state_add_init(s->name, pid, err) < 0 ||
	    (s->on_start && s->on_start(s->on_start_arg, pid, cgroup_v2(&rs->cg), err) < 0) ||
	    write(rs->sync[0], "g", 1) != 1 ||
	    (priv && write(rs->sync[0], &rs->net, sizeof(rs->net)) != (ssize_t)sizeof(rs->net))) {
		if (!err || !err->errnum)
			moat_error_set(err, errno, "starting the container: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sbx_net_destroy(&rs->net);
		return -1;
	}
	if (priv) {
		char d[128];
		sbx_note(s, "network: %s", sbx_net_describe(&rs->net, d, sizeof(d)));
	}
	return pid;
}

static int run_container(struct run_state *rs, bool rootless, int *status, struct moat_error *err)
{
	const struct moat_sandbox_spec *s = rs->args.spec;
	if (s->tty) {
		if (sbx_tty_open(&rs->tty, err) < 0)
			return -1;
		rs->args.tty_fd = rs->tty.slave;
		rs->args.rootfs.console = rs->tty.slave_name;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rs->sync) < 0 ||
	    pipe2(rs->msg, O_CLOEXEC) < 0)
		return moat_error_set(err, errno, "pipe: %s", strerror(errno));
	rs->args.sync_fd = rs->sync[1];
	rs->args.msg_fd = rs->msg[1];
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(relayed) / sizeof(relayed[0]); i++)
		sigaddset(&set, relayed[i]);
	sigprocmask(SIG_BLOCK, &set, &rs->old);
	rs->args.sigmask = rs->old;
	rs->sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (rs->sfd < 0)
		return moat_error_set(err, errno, "signalfd: %s", strerror(errno));
	pid_t pid = start_child(rs, rootless, err);
	if (pid < 0)
		return -1;
	if (rs->args.tty_fd >= 0) {
		close(rs->tty.slave);
		rs->tty.slave = rs->args.tty_fd = -1;
	}
	*status = wait_child(pid, rs->sfd, s->tty ? &rs->tty : NULL);
	int r = read_msg(rs->msg[0], status, err);
	if (r < 0)
		return r;
	if (sbx_cgroup_oom_killed(&rs->cg))
		sbx_note(s, "the container was killed by the OOM killer (memory limit %llu bytes)",
			 (unsigned long long)s->memory);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A container the outside is making: its spec copy, root, filter and run state. */
struct container {
	char root[PATH_MAX], name[80];
	struct moat_sandbox_spec s;
	struct run_state rs;
	struct moat_cbpf_insn *filter;
	bool rootless;
};

/*
 * Everything before the clone: checks, the seccomp program, the name's
 * state file and the cgroups.  On error nothing of it is left.
 */
static int container_prepare(struct container *c, const struct moat_sandbox_spec *spec,
			     struct moat_error *err)
{
	snprintf(c->name, sizeof(c->name), "%s", spec->name ? spec->name : "");
	if (!spec->name)
		snprintf(c->name, sizeof(c->name), "moat-%d", (int)getpid());
	if (validate(spec, c->name, c->root, err) < 0)
		return -1;
	c->rootless = geteuid() != 0;
	c->s = *spec;
	c->s.name = c->name;
	c->rs = (struct run_state){
		.args = { .spec = &c->s, .tty_fd = -1, .gate_fd = -1, .userns = c->rootless,
			  .cgroupns = true,
			  .rootfs = { .root = c->root, .userns = c->rootless,
				      .own_netns = c->s.net != MOAT_NET_HOST } },
		.tty = { .master = -1, .slave = -1 },
		.net = { .slot = -1 },
		.sync = { -1, -1 }, .msg = { -1, -1 }, .sfd = -1,
	};
	sigprocmask(SIG_SETMASK, NULL, &c->rs.old);
	if (sbx_filter_prepare(&c->s, &c->filter, &c->rs.args.filter_len, err) < 0)
		return -1;
	c->rs.args.filter = c->filter;
	moat_sandbox_recover(NULL);
	if (sbx_state_claim(c->name, err) < 0)
		goto out_filter;
	if (sbx_cgroup_create(&c->rs.cg, c->name, &c->s, c->rootless, err) < 0)
		goto out_state;
	if (sbx_state_add_cgroups(c->name, &c->rs.cg, err) < 0)
		goto out_cgroup;
	c->rs.args.cgroup = &c->rs.cg;
	return 0;
out_cgroup:
	sbx_cgroup_destroy(&c->rs.cg);
out_state:
	sbx_state_remove(c->name);
out_filter:
	free(c->filter);
	return -1;
}

/* Closes what the outside holds; unless `keep` (a created container lives
 * on), also removes the network, the cgroups and the state. */
static void container_release(struct container *c, bool keep)
{
	close_fd(&c->rs.sfd);
	close_fd(&c->rs.sync[0]);
	close_fd(&c->rs.sync[1]);
	close_fd(&c->rs.msg[0]);
	close_fd(&c->rs.msg[1]);
	if (c->rs.stack)
		munmap(c->rs.stack, CHILD_STACK);
	if (c->s.tty)
		sbx_tty_close(&c->rs.tty);
	if (!keep) {
		sbx_net_destroy(&c->rs.net);
		sbx_cgroup_destroy(&c->rs.cg);
		sbx_state_remove(c->name);
	}
	free(c->filter);
}

int moat_sandbox_run(const struct moat_sandbox_spec *spec, int *status, struct moat_error *err)
{
	struct container c;
	*status = 1;
	if (container_prepare(&c, spec, err) < 0)
		return -1;
	int r = run_container(&c.rs, c.rootless, status, err);
	sigprocmask(SIG_SETMASK, &c.rs.old, NULL);
	container_release(&c, false);
	return r;
}

/* Waits for the inside's word that it stands at the start gate. */
static int wait_ready(int fd, struct moat_error *err)
{
	struct sbx_msg m;
	ssize_t n;
	while ((n = read(fd, &m, sizeof(m))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(m))
		return moat_error_set(err, EIO, "the container's init died while it was being set up");
	m.text[sizeof(m.text) - 1] = '\0';
	if (m.kind != SBX_MSG_READY)
		return moat_error_set(err, m.errnum ? m.errnum : EIO, "%s", m.text);
	return 0;
}

int moat_sandbox_create(const struct moat_sandbox_spec *spec,
			const struct moat_sandbox_create_opts *opts, pid_t *pid, struct moat_error *err)
{
	if (spec->tty)
		return moat_error_set(err, ENOTSUP, "a created container cannot have a terminal yet "
						    "(no --console-socket): set process.terminal to false");
	struct container c;
	if (container_prepare(&c, spec, err) < 0)
		return -1;
	char fifo[PATH_MAX];
	int r = sbx_state_gate(c.name, fifo, sizeof(fifo), &c.rs.args.gate_fd, err);
	if (r == 0 && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c.rs.sync) < 0 ||
		       pipe2(c.rs.msg, O_CLOEXEC) < 0))
		r = moat_error_set(err, errno, "pipe: %s", strerror(errno));
	c.rs.args.sync_fd = c.rs.sync[1];
	c.rs.args.msg_fd = c.rs.msg[1];
	c.rs.args.sigmask = c.rs.old;
	pid_t child = r == 0 ? start_child(&c.rs, c.rootless, err) : -1;
	close_fd(&c.rs.args.gate_fd);
	if (child > 0 && (wait_ready(c.rs.msg[0], err) < 0 ||
			  sbx_state_detach(c.name, child, MOAT_OPTS_HAS(opts, moat_sandbox_create_opts,
									  bundle) ? opts->bundle : NULL,
					   err) < 0)) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	if (child < 0) {
		unlink(fifo);
		container_release(&c, false);
		return -1;
	}
	*pid = child;
	container_release(&c, true);
	return 0;
}
