/* moat trace: what a process tree, a cgroup or a container does in system calls. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <moat/sandbox.h>
#include <moat/trace.h>

#include "cli/cli.h"

const char cmd_trace_usage[] =
	"usage: moat trace [-p PID | --cgroup PATH | --container NAME | -- CMD [ARGS...]]\n"
	"                  [--summary] [--hist SYSCALL] [--events LIST] [--duration S]\n"
	"                  [--json] [-o FILE] [--hook KIND]\n"
	"\n"
	"Trace the system calls of one process tree, one cgroup or one container with\n"
	"  BPF programs that moat builds, verifies with its own verifier, and loads on\n"
	"  the kernel's syscall and scheduler tracepoints.  Filtering happens in the\n"
	"  kernel, so other processes are barely slowed, and the traced ones far less\n"
	"  than under strace: nothing stops them, counters are per CPU.\n"
	"\n"
	"What to trace (one of):\n"
	"  -p, --pid PID      the process PID and its descendants, those alive now and\n"
	"                     those created while tracing; ends when all have exited\n"
	"  --cgroup PATH      every process of the cgroup v2 directory PATH (e.g.\n"
	"                     /sys/fs/cgroup/unified/NAME); ends on Ctrl-C or --duration\n"
	"  --container NAME   the processes of the container NAME started by moat run\n"
	"                     (its cgroup v2 directory, or else its PID 1's tree)\n"
	"  -- CMD [ARGS...]   run CMD and trace it and all its descendants from its\n"
	"                     first instruction; ends when they have all exited\n"
	"\n"
	"What to print:\n"
	"  --summary          per syscall: share of time, seconds, average and maximum\n"
	"                     microseconds per call, calls and errors, like strace -c;\n"
	"                     printed at the end (Ctrl-C, --duration or exit).  The\n"
	"                     default unless --events is given\n"
	"  --hist SYSCALL     also a log2 histogram of SYSCALL's latency in ns, like\n"
	"                     bpftrace's hist()\n"
	"  --events LIST      stream one line per event as it happens, LIST being a\n"
	"                     comma list of exec, open, connect, signal, exit (or all):\n"
	"                     time, pid, command, event, syscall, the decoded arguments\n"
	"                     (path and open flags, address:port, target pid and\n"
	"                     signal, exit status) and the return value with its errno\n"
	"  --duration S       stop after S seconds (decimals allowed)\n"
	"  --json             events as JSON lines, the summary as one JSON object\n"
	"  -o FILE            write the trace to FILE instead of standard output\n"
	"  --hook KIND        use tp_btf, raw_tp or tracepoint hooks instead of the\n"
	"                     first of them that works on this kernel\n"
	"\n"
	"moat trace needs root (CAP_BPF and CAP_PERFMON).  Every program, link and map\n"
	"it loads is released when it ends, whatever the reason.\n"
	"\n"
	"Exit status: 0 traced, 1 failure (no such process, cgroup or syscall, missing\n"
	"kernel feature, no permission), 2 usage error.\n";

static const struct cli_cmd trace_cmd = { "trace", NULL, cmd_trace_usage, NULL, NULL };

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct trace_args {
	pid_t pid;
	const char *cgroup, *container, *hist, *out;
	char container_cg[4096];
	uint32_t events;
	bool summary, json;
	double duration;
	bool force_hook;
	enum moat_hook_kind hook;
	char **cmd;
};

static void file_write(void *arg, const char *text, size_t len)
{
	fwrite(text, 1, len, arg);
	fflush(arg);
}

static int parse_events(const char *list, uint32_t *mask)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	*mask = 0;
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		enum moat_trace_event_kind k;
		if (!strcmp(w, "all")) {
			for (int i = MOAT_TRACE_EV_EXEC; i <= MOAT_TRACE_EV_EXIT; i++)
				*mask |= MOAT_TRACE_EV_MASK(i);
			continue;
		}
		struct moat_error e = { 0 };
		if (moat_trace_event_parse(w, &k, &e) < 0)
			return cli_usage(&trace_cmd, "%s", e.msg);
		*mask |= MOAT_TRACE_EV_MASK(k);
	}
	return *mask ? 0 : cli_usage(&trace_cmd, "--events needs at least one event");
}

enum { OPT_CGROUP = 256, OPT_CONTAINER, OPT_SUMMARY, OPT_HIST, OPT_EVENTS, OPT_DURATION,
       OPT_JSON, OPT_HOOK };

static int parse_one(struct trace_args *a, int c)
{
	uint64_t v;
	switch (c) {
	case 'p':
		if (!cli_parse_u64(optarg, 0x3fffffff, &v) || v == 0)
			return cli_usage(&trace_cmd, "-p needs a process id, got '%s'", optarg);
		a->pid = (pid_t)v;
		return 0;
	case 'o': a->out = optarg; return 0;
	case OPT_CGROUP: a->cgroup = optarg; return 0;
	case OPT_CONTAINER: a->container = optarg; return 0;
	case OPT_SUMMARY: a->summary = true; return 0;
	case OPT_HIST: a->hist = optarg; return 0;
	case OPT_EVENTS: return parse_events(optarg, &a->events);
	case OPT_JSON: a->json = true; return 0;
	case OPT_DURATION:
		if (!cli_parse_seconds(optarg, &a->duration))
			return cli_usage(&trace_cmd, "--duration needs seconds > 0, got '%s'", optarg);
		return 0;
	case OPT_HOOK:
		for (int k = 0; k < MOAT_HOOK_KIND_COUNT; k++)
			if (!strcmp(optarg, moat_hook_kind_name((enum moat_hook_kind)k))) {
				a->force_hook = true;
				a->hook = (enum moat_hook_kind)k;
				return 0;
			}
		return cli_usage(&trace_cmd, "--hook is tp_btf, raw_tp or tracepoint, got '%s'",
				 optarg);
	default:
		return cli_usage(&trace_cmd, "unknown option");
	}
}

static int parse_args(int argc, char **argv, struct trace_args *a)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "container", required_argument, NULL, OPT_CONTAINER },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "hist", required_argument, NULL, OPT_HIST },
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "hook", required_argument, NULL, OPT_HOOK },
		{ NULL, 0, NULL, 0 },
	};
	optind = 1;
	opterr = 0;
	for (int c; (c = getopt_long(argc, argv, "+p:o:", opts, NULL)) != -1;) {
		if (c == '?')
			return cli_usage(&trace_cmd, "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		int r = parse_one(a, c);
		if (r)
			return r;
	}
	if (optind < argc)
		a->cmd = argv + optind;
	int targets = (a->pid > 0) + !!a->cgroup + !!a->container + !!a->cmd;
	if (targets != 1)
		return cli_usage(&trace_cmd, "name exactly one of -p PID, --cgroup, --container or "
				 "-- CMD");
	if (!a->events)
		a->summary = true;
	return 0;
}

/*
 * --container NAME: the sandbox says where the container is: its cgroup v2
 * directory when it has one (every process in it, descendant cgroups
 * included), else its PID 1's process tree.
 */
static int find_container(struct trace_args *a)
{
	struct moat_sandbox_info info;
	struct moat_error err = { 0 };
	if (moat_sandbox_find(a->container, &info, &err) < 0)
		return cli_fail_err("trace", &err);
	if (info.cgroup_v2[0]) {
		snprintf(a->container_cg, sizeof(a->container_cg), "%s", info.cgroup_v2);
		a->cgroup = a->container_cg;
	} else if (info.init > 0) {
		a->pid = info.init;
	} else {
		return cli_fail("trace", "container '%s' is still starting", a->container);
	}
	return 0;
}

/*
 * -- CMD: the child waits on a pipe until the tracer tracks it, then
 * execs; a second, close-on-exec pipe carries exec's errno back, so a
 * command that cannot run is reported by moat, not traced.
 */
struct child { pid_t pid; int go, status; };

static int spawn(char **cmd, struct child *c)
{
	int go[2], st[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
		return cli_fail("trace", "pipe: %s", strerror(errno));
	c->pid = fork();
	if (c->pid < 0)
		return cli_fail("trace", "fork: %s", strerror(errno));
	if (c->pid == 0) {
		char b;
		close(go[1]);
		close(st[0]);
		if (read(go[0], &b, 1) == 1) {
			execvp(cmd[0], cmd);
			int e = errno;
			if (write(st[1], &e, sizeof(e)) < 0)
				_exit(127);
		}
		_exit(127);
	}
	close(go[0]);
	close(st[1]);
	c->go = go[1];
	c->status = st[0];
	return 0;
}

/* Lets the child exec; fails if exec did. */
static int release(char **cmd, struct child *c)
{
	int e = 0;
	ssize_t n = write(c->go, "g", 1);
	close(c->go);
	c->go = -1;
	if (n == 1)
		n = read(c->status, &e, sizeof(e));
	close(c->status);
	if (n == (ssize_t)sizeof(e))
		return cli_fail("trace", "cannot run '%s': %s", cmd[0], strerror(e));
	return 0;
}

static void on_event(void *arg, const struct moat_trace_event *ev)
{
	const struct trace_args *a = ((void **)arg)[0];
	const struct moat_sink *out = ((void **)arg)[1];
	moat_trace_event_write(ev, a->json ? MOAT_TRACE_JSON : MOAT_TRACE_TEXT, out);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Polls events until a signal, the deadline, or the traced tree's end. */
static int loop(struct moat_trace *t, const struct trace_args *a, struct child *c)
{
	double deadline = a->duration > 0 ? now_s() + a->duration : INFINITY;
	bool reaped = c->pid <= 0;
	struct moat_error err = { 0 };
	while (!stop_signal && now_s() < deadline) {
		int n = moat_trace_poll(t, 100, &err);
		if (n < 0 && n != -EINTR)
			return cli_fail_err("trace", &err);
		int st;
		if (!reaped && waitpid(c->pid, &st, WNOHANG) == c->pid)
			reaped = true;
		if (reaped && !a->cgroup && moat_trace_done(t))
			break;
	}
	int n = moat_trace_poll(t, 0, &err);
	if (n < 0 && n != -EINTR)
		return cli_fail_err("trace", &err);
	return EXIT_OK;
}

static int finish(struct moat_trace *t, const struct trace_args *a, const struct moat_sink *out)
{
	if (!a->summary && !a->hist)
		return EXIT_OK;
	struct moat_trace_summary s;
	struct moat_error err = { 0 };
	if (moat_trace_summary_get(t, &s, &err) < 0)
		return cli_fail_err("trace", &err);
	moat_trace_summary_write(&s, a->json ? MOAT_TRACE_JSON : MOAT_TRACE_TEXT, out);
	moat_trace_summary_release(&s);
	return EXIT_OK;
}

static int trace(struct trace_args *a, FILE *outf)
{
	struct moat_sink out = { file_write, outf };
	void *cb[2] = { a, &out };
	struct child c = { .pid = -1, .go = -1, .status = -1 };
	if (a->cmd && spawn(a->cmd, &c))
		return EXIT_FAIL;
	MOAT_OPTS(moat_trace_opts, o, .pids = a->pid > 0 ? &a->pid : NULL, .n_pids = a->pid > 0,
		  .cgroup = a->cgroup, .hist_syscall = a->hist, .events = a->events,
		  .on_event = on_event, .arg = cb, .force_hook = a->force_hook, .hook = a->hook);
	struct moat_error err = { 0 };
	struct moat_trace *t = moat_trace_new(&o, &err);
	int r = t ? EXIT_OK : cli_fail_err("trace", &err);
	if (!r && c.pid > 0 && moat_trace_add_pid(t, c.pid, &err) < 0)
		r = cli_fail_err("trace", &err);
	if (c.pid > 0) {
		if (r) { /* the child never runs the command */
			close(c.go);
			close(c.status);
			waitpid(c.pid, NULL, 0);
		} else {
			r = release(a->cmd, &c);
		}
	}
	if (!r) {
		/* the line scripts and people wait for before starting the workload */
		if (a->cmd)
			fprintf(stderr, "moat: trace: tracing '%s' and its descendants (%s hooks)\n",
				a->cmd[0], moat_hook_kind_name(moat_trace_hook(t)));
		else if (a->cgroup)
			fprintf(stderr, "moat: trace: tracing cgroup %s (%s hooks); Ctrl-C to stop\n",
				a->cgroup, moat_hook_kind_name(moat_trace_hook(t)));
		else
			fprintf(stderr, "moat: trace: tracing pid %d and its descendants (%s hooks); "
				"Ctrl-C to stop\n", (int)a->pid, moat_hook_kind_name(moat_trace_hook(t)));
		r = loop(t, a, &c);
	}
	if (!r)
		r = finish(t, a, &out);
	moat_trace_free(t);
	return r;
}

int cmd_trace(int argc, char **argv)
{
	if (cli_wants_help(&trace_cmd, argc, argv))
		return EXIT_OK;
	struct trace_args a = { 0 };
	int r = parse_args(argc, argv, &a);
	if (r)
		return r;
	if (a.container && (r = find_container(&a)))
		return r;
	FILE *outf = stdout;
	if (a.out && !(outf = fopen(a.out, "we")))
		return cli_fail("trace", "%s: %s", a.out, strerror(errno));
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r = trace(&a, outf);
	if (outf != stdout && fclose(outf) != 0 && !r)
		r = cli_fail("trace", "%s: %s", a.out, strerror(errno));
	return r;
}
