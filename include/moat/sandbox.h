/*
 * The sandbox: run a command in a container made of Linux namespaces, a
 * pivot_root'ed root filesystem, cgroups (v1, v2 or a hybrid of both),
 * a reduced capability set, no_new_privs, a seccomp filter and a device
 * allowlist, with moat's own PID 1 inside.
 *
 *     struct moat_sandbox_spec s;
 *     moat_sandbox_spec_init(&s);
 *     s.rootfs = "/srv/rootfs"; s.argv = argv;
 *     int status;
 *     if (moat_sandbox_run(&s, &status, &err) < 0) ...;   // status: the command's
 *
 * The parsers below turn command-line words into spec fields; each reports a
 * bad word with a message naming it.  Nothing in this module prints: notes
 * (for example "cgroup limits ignored: not delegated") go to spec.notes.
 */
#ifndef MOAT_SANDBOX_H
#define MOAT_SANDBOX_H

#include <limits.h>
#include <sys/types.h>

#include <moat/devices.h>
#include <moat/error.h>

/* A bind mount: host path src at container path dst, read-only if ro. */
struct moat_volume {
	const char *src;
	const char *dst;
	bool ro;
};

/* A resource limit to set inside (RLIMIT_* number, soft and hard values). */
struct moat_rlimit_req {
	int resource;
	uint64_t soft, hard;
};

enum moat_seccomp_mode {
	MOAT_SECCOMP_DEFAULT,    /* Docker's default profile */
	MOAT_SECCOMP_UNCONFINED, /* no filter */
	MOAT_SECCOMP_FILE,       /* the profile in seccomp_file */
};

enum moat_net_mode {
	MOAT_NET_NONE,    /* own namespace, loopback only */
	MOAT_NET_HOST,    /* the host's network */
	MOAT_NET_PRIVATE, /* own namespace, loopback and a veth pair to the host (root only):
			   * eth0 10.88.a.b+2/30, host end "moatN" at +1 and the default route */
};

/*
 * What to run and how.  Arrays are borrowed: the spec never frees them, and
 * they must outlive moat_sandbox_run().  moat_sandbox_spec_init() fills the
 * defaults (Docker's capability set, seccomp default, no network).
 */
struct moat_sandbox_spec {
	const char *rootfs;   /* NULL: the embedded busybox root (MOAT_ROOTFS or built in) */
	const char *name;     /* container name (state, cgroup); NULL: "moat-<pid>" */
	const char *hostname; /* NULL: the name */
	uid_t uid;            /* user and group of the command, inside */
	gid_t gid;
	const char *workdir;  /* NULL: "/" */
	const char **env;     /* "K=V" words added to (or replacing in) the default env */
	size_t n_env;
	const struct moat_volume *volumes;
	size_t n_volumes;
	const char **tmpfs; /* container paths that get a fresh tmpfs */
	size_t n_tmpfs;
	bool read_only;    /* the root is mounted read-only */
	uint64_t memory;   /* bytes; 0: no limit */
	uint64_t pids;     /* 0: no limit */
	uint64_t cpu_milli; /* CPUs x 1000; 0: no limit */
	uint64_t caps;     /* capability bits kept (bounding, permitted, effective) */
	enum moat_seccomp_mode seccomp;
	const char *seccomp_file;
	const struct moat_device_rule *devices; /* added to the default allowlist */
	size_t n_devices;
	const struct moat_rlimit_req *rlimits;
	size_t n_rlimits;
	enum moat_net_mode net;
	bool tty;         /* allocate a pseudo-terminal and relay it */
	bool interactive; /* keep stdin open (otherwise /dev/null) */
	char *const *argv; /* the command; argv[0] is looked up in the container's PATH */
	struct moat_sink notes; /* warnings and notes; write may be NULL */
	/*
	 * Called once the container's PID 1 exists (host pid `init`, waiting)
	 * and before it does anything, with the container's cgroup v2
	 * directory or NULL when it has none: the moment for a tracer to
	 * attach (moat run --trace).  A negative return aborts the run, with
	 * err set; nothing is left behind.  NULL: no call.
	 */
	int (*on_start)(void *arg, pid_t init, const char *cgroup_v2, struct moat_error *err);
	void *on_start_arg;
};

/* Fills spec with the defaults.  Never fails. */
MOAT_API void moat_sandbox_spec_init(struct moat_sandbox_spec *spec);

/*
 * Runs spec.argv in a new container and waits for it.  *status receives the
 * command's exit status, or 128+N when a signal N killed it (137 also when
 * the memory limit's OOM killer did, which is noted).  Returns 0 when the
 * command ran (whatever its status), or a negative errno with err set when
 * the container could not be made; then nothing is left behind (no mount,
 * cgroup or process).  A command that cannot be executed inside returns
 * -ENOENT (not found) or -EACCES (not executable) with err set and *status
 * 127 or 126, as Docker reports them.
 */
MOAT_API int moat_sandbox_run(const struct moat_sandbox_spec *spec, int *status,
			      struct moat_error *err);

/*
 * Removes what crashed runs left (cgroups of containers whose moat process
 * is gone, killing their processes first; stale state files).  Called by
 * moat_sandbox_run(); safe to call at any time.  Returns the number of
 * containers cleaned, or a negative errno.
 */
MOAT_API int moat_sandbox_recover(struct moat_error *err);

/*
 * The OCI lifecycle (create, start, state, kill, delete), as runc and crun
 * offer it to podman and containerd.  A created container is set up
 * completely (namespaces, root, cgroups, limits, network) and its init
 * waits at a start gate; the moat that created it may exit.  It lives on
 * until it is deleted, so a stopped container still says "stopped".
 */
struct moat_sandbox_create_opts {
	size_t sz;
	const char *bundle; /* recorded for moat_sandbox_state(); may be NULL */
};

/*
 * Creates the container spec describes (spec->name is its id) and returns
 * once its init waits at the start gate; *pid is that init (a process of
 * this one's until this one exits).  Errors as moat_sandbox_run(); then
 * nothing is left.  A terminal (spec->tty) is not supported yet (ENOTSUP).
 */
MOAT_API int moat_sandbox_create(const struct moat_sandbox_spec *spec,
				 const struct moat_sandbox_create_opts *opts, pid_t *pid,
				 struct moat_error *err);

/* Lets a created container's command run.  ENOENT: no such container;
 * EINVAL: not in the created state (with the state named). */
MOAT_API int moat_sandbox_start(const char *name, struct moat_error *err);

enum moat_container_status {
	MOAT_CONTAINER_CREATED, /* set up, waiting for start */
	MOAT_CONTAINER_RUNNING,
	MOAT_CONTAINER_STOPPED, /* its init has exited; delete removes it */
};

struct moat_container_state {
	enum moat_container_status status;
	pid_t pid;             /* the init (created containers), or the moat running it */
	bool detached;         /* made by moat_sandbox_create() */
	char bundle[4096];     /* "" when unknown */
};

/* The state of container `name`.  ENOENT when there is none. */
MOAT_API int moat_sandbox_state(const char *name, struct moat_container_state *st,
				struct moat_error *err);

/* The OCI status word: "created", "running", "stopped". */
MOAT_API const char *moat_container_status_name(enum moat_container_status s);

/* Sends signal sig to the container's init (which passes it on to the
 * command).  ENOENT: no such container; ESRCH: it is stopped. */
MOAT_API int moat_sandbox_kill(const char *name, int sig, struct moat_error *err);

/*
 * Deletes a created container: its cgroups, network and state.  A running
 * or created one is refused (EBUSY) unless `force`, which kills it first.
 */
MOAT_API int moat_sandbox_delete(const char *name, bool force, struct moat_error *err);

/* A running container, as moat_sandbox_find() reports it. */
struct moat_sandbox_info {
	pid_t owner;              /* the moat process running it */
	pid_t init;               /* its PID 1 as the host sees it; 0 while starting */
	char cgroup_v2[PATH_MAX]; /* its cgroup v2 directory; "" when it has none */
};

/*
 * Finds the running container `name` (started by moat run as this user):
 * its owner, PID 1 and cgroup v2 directory.  Returns 0, or -EINVAL (not a
 * container name), -ENOENT (no such container running) with err set.
 */
MOAT_API int moat_sandbox_find(const char *name, struct moat_sandbox_info *info,
			       struct moat_error *err);

/* "64m", "1g", "4096", "1.5G" (k, m, g, t: powers of 1024) -> bytes. */
MOAT_API int moat_size_parse(const char *s, uint64_t *bytes, struct moat_error *err);

/* "SRC:DST[:ro|:rw]" -> volume; both paths absolute.  Borrows s (modified). */
MOAT_API int moat_volume_parse(char *s, struct moat_volume *v, struct moat_error *err);

/* "UID[:GID]" (numbers) -> uid, gid (gid defaults to uid). */
MOAT_API int moat_user_parse(const char *s, uid_t *uid, gid_t *gid, struct moat_error *err);

/* "2", "0.5" -> CPUs x 1000 (at least 0.01 CPU). */
MOAT_API int moat_cpus_parse(const char *s, uint64_t *milli, struct moat_error *err);

/*
 * A capability name ("net_raw", "CAP_NET_RAW", case-insensitive) -> its
 * number; "all" -> -2 when all_ok.  Unknown: -EINVAL with err set.
 */
MOAT_API int moat_cap_parse(const char *s, bool all_ok, struct moat_error *err);

/* The capability's lower-case name without "cap_", or NULL when unknown. */
MOAT_API const char *moat_cap_name(int cap);

/* Docker's default capability set as bits. */
MOAT_API uint64_t moat_cap_default(void);

/*
 * "PATH[:rwm]" -> a device rule for the node at PATH on the host (stat'ed
 * for its type and numbers).  Borrows s (modified).
 */
MOAT_API int moat_device_parse(char *s, struct moat_device_rule *d, struct moat_error *err);

/* "nofile=1024[:2048]" (names as ulimit -a: nofile, nproc, core, ...) -> request. */
MOAT_API int moat_rlimit_parse(const char *s, struct moat_rlimit_req *r, struct moat_error *err);

/* An OCI bundle's config.json, read into a spec.  Opaque. */
struct moat_oci_bundle;

/*
 * Reads DIR/config.json (OCI runtime spec) into spec, which must have been
 * initialised by moat_sandbox_spec_init(): root.path (relative to DIR) and
 * root.readonly, process.args, env, cwd, user.uid/gid, terminal,
 * capabilities.bounding, hostname, linux.resources.memory.limit and
 * pids.limit.  Mounts, namespaces and devices of the file are not read:
 * moat's own (the OCI defaults) apply.  Without linux.seccomp there is no
 * filter (as in crun and runc); with one, moat's default profile applies.  The spec borrows strings from the
 * returned bundle: free it with moat_oci_free() after the run.  NULL on
 * error (unreadable file, bad JSON with line:col, missing root or args).
 */
MOAT_API struct moat_oci_bundle *moat_oci_load(const char *dir, struct moat_sandbox_spec *spec,
					       struct moat_error *err);

/* Frees a bundle.  NULL is allowed. */
MOAT_API void moat_oci_free(struct moat_oci_bundle *b);

#endif
