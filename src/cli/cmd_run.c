/* moat run: run a command in a container. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat/sandbox.h>
#include <moat/trace.h>

#include "cli/cli.h"

const char cmd_run_usage[] =
	"usage: moat run [OPTIONS] [--] CMD [ARGS...]\n       moat run --bundle DIR [OPTIONS] [ID]\n"
	"\n"
	"Run CMD in a new container and exit with its status.  The container has its own\n"
	"mount, PID, UTS, IPC, network and cgroup namespaces (and a user namespace when\n"
	"moat runs as a non-root user, who becomes root inside); its root is ROOTFS,\n"
	"entered with pivot_root; /proc and /sys are mounted read-only where the kernel\n"
	"exposes host state (/proc/sys, /proc/sysrq-trigger, ...), and /proc/kcore,\n"
	"/proc/keys, /proc/timer_list, /sys/firmware and the other OCI masked paths are\n"
	"hidden; /dev holds only null, zero, full, random, urandom, tty, a private\n"
	"devpts and shm.  The command keeps Docker's default capabilities (chown,\n"
	"dac_override, fowner, fsetid, kill, setgid, setuid, setpcap, net_bind_service,\n"
	"net_raw, sys_chroot, mknod, audit_write, setfcap) in every set but ambient and\n"
	"inheritable, runs with no_new_privs, and under Docker's default seccomp filter.\n"
	"moat's own PID 1 inside forwards signals to the command, reaps orphans, and\n"
	"exits with the command's status (128+N when signal N killed it).  Whatever\n"
	"ends the run, the container's processes die and its cgroups are removed; what\n"
	"a killed moat leaves is removed by the next run.\n"
	"\n"
	"  --rootfs DIR          the root file system (default: the busybox root built\n"
	"                        with moat, or $MOAT_ROOTFS)\n"
	"  --name NAME           container name (cgroup and state; default moat-PID)\n"
	"  --hostname H          hostname inside (default: the name)\n"
	"  --user UID[:GID]      run CMD as this user and group (numbers; default 0:0)\n"
	"  --workdir DIR         working directory of CMD (default /)\n"
	"  --env K=V             set a variable (repeatable); PATH, HOME and HOSTNAME are set\n"
	"  --volume SRC:DST[:ro] bind host path SRC at DST (repeatable)\n"
	"  --tmpfs DST           mount an empty tmpfs at DST (repeatable)\n"
	"  --read-only           mount the root file system read-only\n"
	"  --memory SIZE         memory limit (64m, 1g, ...); the OOM killer ends the\n"
	"                        container when it is reached, and moat says so\n"
	"  --pids N              at most N processes and threads\n"
	"  --cpus X              CPU time limit in CPUs (0.5, 2, ...)\n"
	"  --ulimit NAME=SOFT[:HARD]  a resource limit (nofile, nproc, core, stack, ...),\n"
	"                        within this process's hard limits\n"
	"  --cap-add CAP         keep capability CAP too (net_admin or CAP_NET_ADMIN)\n"
	"  --cap-drop CAP|all    drop capability CAP, or every capability\n"
	"  --seccomp PROFILE     default (Docker's profile), unconfined, or a profile file\n"
	"  --device PATH[:rwm]   allow the host device PATH, created at the same path\n"
	"  --net none|private|host\n"
	"                        none (default): a network namespace with only lo;\n"
	"                        private (root): lo and eth0, one end of a veth pair\n"
	"                        whose host end moatN routes for it: eth0 has\n"
	"                        10.88.a.b/30, the host end the address before it\n"
	"                        (printed as a note); nothing is forwarded beyond\n"
	"                        the host; 'moat fw load RULES --dev moatN' filters\n"
	"                        what the container sends and receives;\n"
	"                        host: the host's network\n"
	"  -t, --tty             allocate a pseudo-terminal for CMD\n"
	"  -i, --interactive     pass standard input (otherwise /dev/null)\n"
	"  --trace[=json]        trace the container's system calls (moat trace: every\n"
	"                        process of it, its PID 1's setup included) and print\n"
	"                        the strace -c style summary, or one JSON object, on\n"
	"                        standard error when it exits\n"
	"  --bundle DIR          OCI bundle: read DIR/config.json (root, process, hostname,\n"
	"                        memory and pids limits); the one argument left is the\n"
	"                        container id, as an OCI runtime's 'run --bundle DIR ID';\n"
	"                        later options override the file\n"
	"\n"
	"Cgroup limits need root (or a delegated cgroup); on v1, v2 and hybrid hosts each\n"
	"controller is taken from the hierarchy that has it.  Rootless, limits that\n"
	"cannot be set are reported and skipped.\n"
	"\n"
	"Exit status: CMD's status; 126 if CMD cannot be executed, 127 if it is not\n"
	"found; 1 if the container could not be made; 2 for a usage error.\n";

static const struct cli_cmd run_cmd = { "run", NULL, cmd_run_usage, NULL, NULL };

/* The parsed command line: arrays sized by argc, which bounds their counts. */
struct run_cli {
	struct moat_sandbox_spec spec;
	struct moat_volume *volumes;
	struct moat_device_rule *devices;
	struct moat_rlimit_req *rlimits;
	const char **env, **tmpfs;
	uint64_t cap_add, cap_drop;
	bool drop_all;
	char rootfs[PATH_MAX];
	struct moat_oci_bundle *bundle;
	size_t n_env; /* --env words (a bundle's env is used when there are none) */
	enum { TRACE_OFF, TRACE_TEXT, TRACE_JSON } trace;
	struct moat_trace *tracer; /* --trace: started by the sandbox's on_start call */
};

enum { O_ROOTFS = 256, O_NAME, O_HOSTNAME, O_USER, O_WORKDIR, O_ENV, O_VOLUME, O_TMPFS,
       O_READ_ONLY, O_MEMORY, O_PIDS, O_CPUS, O_ULIMIT, O_CAP_ADD, O_CAP_DROP, O_SECCOMP,
       O_DEVICE, O_NET, O_BUNDLE, O_TRACE };

static const struct option long_opts[] = {
	{ "rootfs", required_argument, NULL, O_ROOTFS },
	{ "name", required_argument, NULL, O_NAME },
	{ "hostname", required_argument, NULL, O_HOSTNAME },
	{ "user", required_argument, NULL, O_USER },
	{ "workdir", required_argument, NULL, O_WORKDIR },
	{ "env", required_argument, NULL, O_ENV },
	{ "volume", required_argument, NULL, O_VOLUME },
	{ "tmpfs", required_argument, NULL, O_TMPFS },
	{ "read-only", no_argument, NULL, O_READ_ONLY },
	{ "memory", required_argument, NULL, O_MEMORY },
	{ "pids", required_argument, NULL, O_PIDS },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "ulimit", required_argument, NULL, O_ULIMIT },
	{ "cap-add", required_argument, NULL, O_CAP_ADD },
	{ "cap-drop", required_argument, NULL, O_CAP_DROP },
	{ "seccomp", required_argument, NULL, O_SECCOMP },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "net", required_argument, NULL, O_NET },
	{ "bundle", required_argument, NULL, O_BUNDLE },
	{ "trace", optional_argument, NULL, O_TRACE },
	{ "tty", no_argument, NULL, 't' },
	{ "interactive", no_argument, NULL, 'i' },
	{ NULL, 0, NULL, 0 },
};

/* Options with a value that needs checking; a usage error names the option. */
static int parse_value(struct run_cli *c, int opt, char *arg, struct moat_error *err)
{
	struct moat_sandbox_spec *s = &c->spec;
	int cap;
	switch (opt) {
	case O_USER:
		return moat_user_parse(arg, &s->uid, &s->gid, err);
	case O_ENV:
		if (!strchr(arg, '=') || arg[0] == '=')
			return moat_error_set(err, EINVAL, "bad variable '%s' (want K=V)", arg);
		c->env[c->n_env++] = arg;
		return 0;
	case O_VOLUME:
		return moat_volume_parse(arg, &c->volumes[s->n_volumes++], err);
	case O_TMPFS:
		if (arg[0] != '/')
			return moat_error_set(err, EINVAL, "tmpfs target '%s' is not absolute", arg);
		c->tmpfs[s->n_tmpfs++] = arg;
		return 0;
	case O_MEMORY:
		return moat_size_parse(arg, &s->memory, err);
	case O_PIDS: {
		uint64_t v;
		if (!cli_parse_u64(arg, 1u << 22, &v) || v == 0)
			return moat_error_set(err, EINVAL, "bad process count '%s'", arg);
		s->pids = v;
		return 0;
	}
	case O_CPUS:
		return moat_cpus_parse(arg, &s->cpu_milli, err);
	case O_ULIMIT:
		return moat_rlimit_parse(arg, &c->rlimits[s->n_rlimits++], err);
	case O_CAP_ADD:
	case O_CAP_DROP:
		if ((cap = moat_cap_parse(arg, opt == O_CAP_DROP, err)) == -2)
			c->drop_all = true;
		else if (cap >= 0)
			*(opt == O_CAP_ADD ? &c->cap_add : &c->cap_drop) |= 1ULL << cap;
		return cap < -2 ? cap : 0;
	case O_SECCOMP:
		s->seccomp = !strcmp(arg, "default") ? MOAT_SECCOMP_DEFAULT
			     : !strcmp(arg, "unconfined") ? MOAT_SECCOMP_UNCONFINED : MOAT_SECCOMP_FILE;
		s->seccomp_file = s->seccomp == MOAT_SECCOMP_FILE ? arg : NULL;
		return 0;
	case O_DEVICE:
		return moat_device_parse(arg, &c->devices[s->n_devices++], err);
	case O_BUNDLE:
		if (c->bundle)
			return moat_error_set(err, EINVAL, "--bundle given twice");
		c->bundle = moat_oci_load(arg, s, err);
		return c->bundle ? 0 : -1;
	case O_TRACE:
		if (arg && strcmp(arg, "json"))
			return moat_error_set(err, EINVAL, "bad --trace format '%s' (want --trace or "
					      "--trace=json)", arg);
		c->trace = arg ? TRACE_JSON : TRACE_TEXT;
		return 0;
	case O_NET:
		if (!strcmp(arg, "none"))
			s->net = MOAT_NET_NONE;
		else if (!strcmp(arg, "host"))
			s->net = MOAT_NET_HOST;
		else if (!strcmp(arg, "private"))
			s->net = MOAT_NET_PRIVATE;
		else
			return moat_error_set(err, EINVAL, "bad network '%s' (want none, private or host)", arg);
		return 0;
	default:
		return moat_error_set(err, EINVAL, "unknown option");
	}
}

/* Options that only store their word or a flag. */
static bool parse_plain(struct run_cli *c, int opt, char *arg)
{
	struct moat_sandbox_spec *s = &c->spec;
	switch (opt) {
	case O_ROOTFS: s->rootfs = arg; return true;
	case O_NAME: s->name = arg; return true;
	case O_HOSTNAME: s->hostname = arg; return true;
	case O_WORKDIR: s->workdir = arg; return true;
	case O_READ_ONLY: s->read_only = true; return true;
	case 't': s->tty = true; return true;
	case 'i': s->interactive = true; return true;
	default: return false;
	}
}

/* The busybox root built with moat: $MOAT_ROOTFS, else rootfs/ beside the binary. */
static const char *default_rootfs(struct run_cli *c)
{
	const char *env = getenv("MOAT_ROOTFS");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", c->rootfs, sizeof(c->rootfs) - 8);
	if (n <= 0)
		return "/usr/local/share/moat/rootfs";
	c->rootfs[n] = '\0';
	char *slash = strrchr(c->rootfs, '/');
	strcpy(slash ? slash + 1 : c->rootfs, "rootfs");
	return c->rootfs;
}

/* The sandbox's on_start call: the tracer attaches to the container's cgroup
 * v2 directory, or else to its PID 1's tree, before PID 1 does anything. */
static int start_trace(void *arg, pid_t init, const char *cgroup_v2, struct moat_error *err)
{
	struct run_cli *c = arg;
	MOAT_OPTS(moat_trace_opts, o, .pids = cgroup_v2 ? NULL : &init, .n_pids = !cgroup_v2,
		  .cgroup = cgroup_v2);
	c->tracer = moat_trace_new(&o, err);
	if (!c->tracer)
		moat_error_prefix(err, "--trace");
	return c->tracer ? 0 : -err->errnum;
}

static void stderr_write(void *arg, const char *text, size_t len)
{
	fwrite(text, 1, len, stderr);
}

static void print_trace(struct run_cli *c)
{
	struct moat_trace_summary sum;
	struct moat_error err = { 0 };
	if (moat_trace_summary_get(c->tracer, &sum, &err) < 0) {
		cli_fail_err("run", &err);
		return;
	}
	struct moat_sink out = { stderr_write, NULL };
	moat_trace_summary_write(&sum, c->trace == TRACE_JSON ? MOAT_TRACE_JSON : MOAT_TRACE_TEXT,
				 &out);
	moat_trace_summary_release(&sum);
}

static int run_parsed(struct run_cli *c, char **cmd)
{
	struct moat_sandbox_spec *s = &c->spec;
	struct moat_error err = { 0 };
	if (c->drop_all)
		s->caps = 0;
	s->caps = (s->caps | c->cap_add) & ~(c->cap_drop & ~c->cap_add);
	if (!c->bundle)
		s->argv = cmd;
	else if (cmd[0])
		s->name = cmd[0]; /* OCI: the container id */
	s->volumes = c->volumes;
	s->devices = c->devices;
	s->rlimits = c->rlimits;
	if (c->n_env || !c->bundle) {
		s->env = c->env;
		s->n_env = c->n_env;
	}
	s->tmpfs = c->tmpfs;
	s->notes = cli_notes("run");
	if (!s->rootfs)
		s->rootfs = default_rootfs(c);
	if (c->trace) {
		s->on_start = start_trace;
		s->on_start_arg = c;
	}
	fflush(stdout);
	int status;
	int r = moat_sandbox_run(s, &status, &err);
	if (r < 0)
		cli_fail_err("run", &err);
	else if (c->tracer)
		print_trace(c);
	moat_trace_free(c->tracer);
	return status;
}

int cmd_run(int argc, char **argv)
{
	if (cli_wants_help(&run_cmd, argc, argv))
		return EXIT_OK;
	size_t cap = (size_t)argc + 1;
	struct run_cli c = {
		.volumes = calloc(cap, sizeof(*c.volumes)),
		.devices = calloc(cap, sizeof(*c.devices)),
		.rlimits = calloc(cap, sizeof(*c.rlimits)),
		.env = calloc(cap, sizeof(*c.env)),
		.tmpfs = calloc(cap, sizeof(*c.tmpfs)),
	};
	int rc = EXIT_FAIL;
	moat_sandbox_spec_init(&c.spec);
	if (!c.volumes || !c.devices || !c.rlimits || !c.env || !c.tmpfs) {
		cli_fail("run", "out of memory");
		goto out;
	}
	optind = 1;
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "+ti", long_opts, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			rc = cli_usage(&run_cmd, "unknown option or missing value '%s'", argv[optind - 1]);
			goto out;
		}
		if (parse_plain(&c, opt, optarg))
			continue;
		struct moat_error err = { 0 };
		if (parse_value(&c, opt, optarg, &err) < 0) {
			rc = opt == O_BUNDLE ? cli_fail_err("run", &err) : cli_usage(&run_cmd, "%s", err.msg);
			goto out;
		}
	}
	if (c.bundle && argc - optind > 1) {
		rc = cli_usage(&run_cmd, "with --bundle, only a container id may follow the options");
		goto out;
	}
	if (optind >= argc && !c.bundle) {
		rc = cli_usage(&run_cmd, "no command given");
		goto out;
	}
	rc = run_parsed(&c, argv + optind);
out:
	moat_oci_free(c.bundle);
	free(c.volumes);
	free(c.devices);
	free(c.rlimits);
	free(c.env);
	free(c.tmpfs);
	return rc;
}
