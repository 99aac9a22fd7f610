/* The sandbox's internal interfaces: one file per concern, one prefix (sbx_). */
#ifndef MOAT_SANDBOX_INTERNAL_H
#define MOAT_SANDBOX_INTERNAL_H

#include <limits.h>
#include <signal.h>
#include <sys/types.h>

#include <moat/sandbox.h>

/* Sends a note to the spec's sink (no-op without one). */
void sbx_note(const struct moat_sandbox_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- caps.c: run in the command's process, in this order ----------------- */
/* Drops every capability outside keep from the bounding set. */
int sbx_caps_bound(uint64_t keep, struct moat_error *err);
/* Sets permitted and effective to keep, clears inheritable and ambient, sets no_new_privs. */
int sbx_caps_apply(uint64_t keep, struct moat_error *err);

/* --- rlimit.c ------------------------------------------------------------ */
/* Checks every request against the caller's hard limits (and CAP_SYS_RESOURCE in
 * the bounding set): fails before anything is created. */
int sbx_rlimits_check(const struct moat_sandbox_spec *spec, struct moat_error *err);
/* Applies the requests (in the container, before the command). */
int sbx_rlimits_apply(const struct moat_sandbox_spec *spec, struct moat_error *err);

/* --- cgroup.c ------------------------------------------------------------ */
enum { SBX_CG_MEMORY, SBX_CG_PIDS, SBX_CG_CPU, SBX_CG_DEVICES, SBX_CG_N };

/* The container's cgroup: one directory per controller used (v1 hierarchies,
 * or one shared v2 directory); "" where that controller is not used. */
struct sbx_cgroup {
	char dir[SBX_CG_N][PATH_MAX];
	bool v2[SBX_CG_N];
	bool created[SBX_CG_N]; /* this run made the directory (owns its removal) */
};

/* Creates the directories the spec's limits need and writes the limits and the
 * device allowlist.  Limits that cannot be honoured (no controller, not
 * delegated) fail, or become notes when rootless.  On failure nothing is left. */
int sbx_cgroup_create(struct sbx_cgroup *cg, const char *name, const struct moat_sandbox_spec *spec,
		      bool rootless, struct moat_error *err);
/* Moves the calling (single-threaded) process into every directory of cg. */
int sbx_cgroup_join(const struct sbx_cgroup *cg, struct moat_error *err);
/* True when the memory controller's OOM killer fired in cg. */
bool sbx_cgroup_oom_killed(const struct sbx_cgroup *cg);
/* Kills what is left in cg and removes its directories; errors are ignored
 * (a leftover is recovered by the next run). */
void sbx_cgroup_destroy(struct sbx_cgroup *cg);
/* Kills every process in one cgroup directory and removes it (recovery). */
int sbx_cgroup_remove_dir(const char *dir);

/* --- devices.c ----------------------------------------------------------- */
/* The default allowlist (null, zero, full, random, urandom, tty, pts, ptmx). */
extern const struct moat_device_rule sbx_default_devices[];
extern const size_t sbx_n_default_devices;
/* Writes deny-all then the allowlist into a v1 devices cgroup directory. */
int sbx_devices_v1(const char *dir, const struct moat_sandbox_spec *spec, struct moat_error *err);
/* Compiles the allowlist, loads it and attaches it to a v2 cgroup directory
 * (it lives as long as the directory). */
int sbx_devices_v2(const char *dir, const struct moat_sandbox_spec *spec, struct moat_error *err);

/* --- filter.c: seccomp ---------------------------------------------------- */
struct moat_cbpf_insn;
/* Parses and compiles the spec's profile (*insns NULL when unconfined); the
 * caller frees *insns. */
int sbx_filter_prepare(const struct moat_sandbox_spec *spec, struct moat_cbpf_insn **insns,
		       size_t *n, struct moat_error *err);
/* Installs the program (no-op for NULL): the command's last step before execve. */
int sbx_filter_install(const struct moat_cbpf_insn *insns, size_t n, struct moat_error *err);

/* --- rootfs.c: in the container's mount namespace ------------------------- */
struct sbx_rootfs_opts {
	const char *root;     /* absolute, resolved host path of the root */
	bool userns;          /* mknod is not allowed: bind device nodes instead */
	bool own_netns;       /* sysfs can be mounted (else /sys is bound) */
	const char *console;  /* pty slave to bind at /dev/console, or NULL */
};
/* Builds the container's tree and pivots into it (see rootfs.c for the steps). */
int sbx_rootfs_setup(const struct moat_sandbox_spec *spec, const struct sbx_rootfs_opts *o,
		     struct moat_error *err);

/* --- userns.c ------------------------------------------------------------ */
/* Writes uid_map, setgroups and gid_map of pid: the caller's ids -> 0 inside. */
int sbx_userns_map(pid_t pid, uid_t uid, gid_t gid, struct moat_error *err);

/* --- state.c ------------------------------------------------------------- */
/* A container name is a file name in the state directory: letters, digits,
 * '_.-', at most 64, not starting with '.'.  0 or -EINVAL with the rule. */
int sbx_name_check(const char *name, struct moat_error *err);
/* The state directory (/run/moat for root, $XDG_RUNTIME_DIR/moat or /tmp/moat-UID). */
int sbx_state_dir(char *buf, size_t len, struct moat_error *err);
/* Claims the name: records the running moat's pid and start time.  Fails with
 * EEXIST when a live container already has the name (a dead one is recovered). */
int sbx_state_claim(const char *name, struct moat_error *err);
/* Adds the cgroup directories of the container to its record. */
int sbx_state_add_cgroups(const char *name, const struct sbx_cgroup *cg, struct moat_error *err);
/* Records the container's PID 1 (host pid) for moat_sandbox_find(). */
int sbx_state_add_init(const char *name, pid_t init, struct moat_error *err);
void sbx_state_remove(const char *name);
/* The start gate of a created container: <state dir>/<name>.fifo, made and
 * opened read-write (so opening it never blocks and reading waits for
 * `moat start`); its path in path.  0 or -errno. */
int sbx_state_gate(const char *name, char *path, size_t len, int *fd, struct moat_error *err);
/* Hands the container to its init: the state's owner becomes pid (a
 * detached container, kept until moat_sandbox_delete), with its bundle. */
int sbx_state_detach(const char *name, pid_t pid, const char *bundle, struct moat_error *err);
/* What the state file of name says. */
struct sbx_state {
	pid_t pid;          /* the owner: moat (run) or the container's init (create) */
	bool alive;         /* the owner is still that process */
	bool detached;
	pid_t init;             /* the container's PID 1, 0 while starting */
	char cgroup_v2[PATH_MAX]; /* its cgroup v2 directory, "" when none */
	char bundle[PATH_MAX];
};
int sbx_state_read(const char *name, struct sbx_state *st, struct moat_error *err);
/* Removes the state and the cgroups it lists (killing what is left in them). */
void sbx_state_purge(const char *name);
/* The gate's path for name. */
int sbx_state_gate_path(const char *name, char *path, size_t len, struct moat_error *err);

/* --- net.c: the container's network -------------------------------------- */
struct sbx_net {
	int slot;                 /* 0..16383, -1: no veth pair */
	char host_if[16];         /* "moatN", the host end */
	uint32_t host_addr, peer_addr; /* network byte order */
	int prefix;
};
/* In the container (its own network namespace): brings lo up. */
int sbx_net_lo_up(struct moat_error *err);
/* On the host: the veth pair "moatN" <-> pid's "eth0", the host end
 * addressed and up.  On error nothing is left and n->slot is -1. */
int sbx_net_create(struct sbx_net *n, pid_t pid, struct moat_error *err);
/* In the container: eth0's address, up, default route via the host end. */
int sbx_net_setup_peer(const struct sbx_net *n, struct moat_error *err);
/* Deletes the host end (and so the pair) when there is one. */
void sbx_net_destroy(struct sbx_net *n);
/* "container eth0 10.88.0.2/30, host moat0 10.88.0.1" into buf. */
const char *sbx_net_describe(const struct sbx_net *n, char *buf, size_t len);

/* --- init.c: the container's PID 1 --------------------------------------- */
/* Messages from inside to the waiting moat, over a close-on-exec pipe. */
enum { SBX_MSG_SETUP = 1, SBX_MSG_EXEC = 2, SBX_MSG_READY = 3 /* at the start gate */ };
struct sbx_msg {
	int kind;
	int errnum;
	int status; /* for SBX_MSG_EXEC: 127 or 126 */
	char text[1000];
};

struct sbx_child_args {
	const struct moat_sandbox_spec *spec;
	struct sbx_rootfs_opts rootfs;
	int sync_fd;  /* reads one byte when the outside is ready (then, with a private
		       * network, its struct sbx_net); EOF: moat died */
	int msg_fd;   /* writes struct sbx_msg on failure */
	int tty_fd;   /* pty slave for the command, or -1 */
	int gate_fd;  /* a created (detached) container: the start gate's fifo, else -1 */
	bool userns;
	bool cgroupns;
	sigset_t sigmask; /* the caller's signal mask, for the command */
	const struct sbx_cgroup *cgroup; /* joined first thing */
	const struct moat_cbpf_insn *filter; /* seccomp program, or NULL */
	size_t filter_len;
};
/* The entry point of the cloned child; returns its exit status. */
int sbx_child_main(void *arg);

/* --- tty.c --------------------------------------------------------------- */
struct sbx_tty {
	int master, slave;
	bool raw_set;
	char slave_name[64];
	unsigned char saved[64]; /* struct termios of stdin, opaque here */
};
/* Opens a pty sized like stdin's terminal; puts stdin in raw mode. */
int sbx_tty_open(struct sbx_tty *t, struct moat_error *err);
/* Copies the window size of stdin to the pty. */
void sbx_tty_resize(const struct sbx_tty *t);
/* Moves bytes from in_fd to out_fd once; returns false at end or error. */
bool sbx_tty_pump(int in_fd, int out_fd);
/* Restores stdin's mode and closes the pty. */
void sbx_tty_close(struct sbx_tty *t);

#endif
