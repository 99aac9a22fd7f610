/*
 * moat create / start / state / kill / delete: the OCI runtime lifecycle, in
 * runc's command-line shape, so that a container engine (or a person) can
 * make a container from a bundle, start it later, watch it and remove it.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/json.h"
#include "util/sbuf.h"

const char cmd_create_usage[] =
	"usage: moat create [--bundle DIR] [--pid-file FILE] ID\n"
	"\n"
	"Create container ID from the OCI bundle DIR (default: the current\n"
	"directory; DIR/config.json as 'moat run --bundle' reads it): namespaces,\n"
	"root file system, cgroups, limits, capabilities and seccomp are set up and\n"
	"the container's init waits for 'moat start ID'.  moat exits once the\n"
	"container is ready; the container lives on until 'moat delete ID'.\n"
	"\n"
	"  --bundle DIR       the bundle (config.json and its root)\n"
	"  --pid-file FILE    write the init's pid to FILE\n"
	"\n"
	"A terminal (process.terminal) needs a console socket, which moat does not\n"
	"offer yet.  Exit status: 0 created, 1 error (nothing is left), 2 usage error.\n";

const char cmd_start_usage[] =
	"usage: moat start ID\n"
	"\n"
	"Run the command of created container ID.  Exit status: 0 started, 1 error\n"
	"(no such container, or not in the created state), 2 usage error.\n";

const char cmd_state_usage[] =
	"usage: moat state ID\n"
	"\n"
	"Print the state of container ID as the OCI runtime spec defines it, in\n"
	"JSON: ociVersion, id, status (created, running, stopped), pid, bundle.\n"
	"Exit status: 0 printed, 1 no such container, 2 usage error.\n";

const char cmd_kill_usage[] =
	"usage: moat kill ID [SIGNAL]\n"
	"\n"
	"Send SIGNAL (default TERM; a name with or without SIG, or a number) to the\n"
	"init of container ID, which passes it on to the command (KILL ends the\n"
	"whole container at once).  Exit status: 0 sent, 1 error (no such\n"
	"container, stopped), 2 usage error.\n";

const char cmd_delete_usage[] =
	"usage: moat delete [--force] ID\n"
	"\n"
	"Remove stopped container ID: its cgroups and state.  A created or running\n"
	"one is refused unless --force (-f), which kills it first.  Exit status: 0\n"
	"deleted, 1 error, 2 usage error.\n";

static const struct cli_cmd create_cmd = { "create", NULL, cmd_create_usage, NULL, NULL };
static const struct cli_cmd start_cmd = { "start", NULL, cmd_start_usage, NULL, NULL };
static const struct cli_cmd state_cmd = { "state", NULL, cmd_state_usage, NULL, NULL };
static const struct cli_cmd kill_cmd = { "kill", NULL, cmd_kill_usage, NULL, NULL };
static const struct cli_cmd delete_cmd = { "delete", NULL, cmd_delete_usage, NULL, NULL };

static int write_pid_file(const char *path, pid_t pid, struct moat_error *err)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return moat_error_set(err, errno, "pid file %s: %s", path, strerror(errno));
	fprintf(f, "%d", (int)pid);
	if (fclose(f) != 0)
		return moat_error_set(err, errno, "pid file %s: %s", path, strerror(errno));
	return 0;
}

int cmd_create(int argc, char **argv)
{
	if (cli_wants_help(&create_cmd, argc, argv))
		return EXIT_OK;
	enum { O_BUNDLE = 0x100, O_PIDFILE };
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, O_BUNDLE },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".", *pid_file = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		if (c == O_BUNDLE || c == 'b')
			bundle = optarg;
		else if (c == O_PIDFILE)
			pid_file = optarg;
		else
			return cli_usage(&create_cmd, "unknown option or missing value '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_usage(&create_cmd, "expected one container id");
	struct moat_sandbox_spec spec;
	moat_sandbox_spec_init(&spec);
	struct moat_error err = { 0 };
	char abs[PATH_MAX];
	if (!realpath(bundle, abs))
		return cli_fail("create", "bundle %s: %s", bundle, strerror(errno));
	struct moat_oci_bundle *b = moat_oci_load(abs, &spec, &err);
	if (!b)
		return cli_fail_err("create", &err);
	spec.name = argv[optind];
	spec.notes = cli_notes("create");
	MOAT_OPTS(moat_sandbox_create_opts, o, .bundle = abs);
	pid_t pid;
	int rc = EXIT_OK;
	if (moat_sandbox_create(&spec, &o, &pid, &err) < 0) {
		rc = cli_fail_err("create", &err);
	} else if (pid_file && write_pid_file(pid_file, pid, &err) < 0) {
		struct moat_error ignore = { 0 };
		moat_sandbox_delete(spec.name, true, &ignore);
		rc = cli_fail_err("create", &err);
	}
	moat_oci_free(b);
	return rc;
}

/* The one argument ID of start and state. */
static const char *one_id(const struct cli_cmd *cmd, int argc, char **argv, int *rc)
{
	*rc = EXIT_OK;
	if (cli_wants_help(cmd, argc, argv))
		return NULL;
	if (argc != 2 || argv[1][0] == '-') {
		*rc = cli_usage(cmd, "expected one container id");
		return NULL;
	}
	return argv[1];
}

int cmd_start(int argc, char **argv)
{
	int rc;
	const char *id = one_id(&start_cmd, argc, argv, &rc);
	struct moat_error err = { 0 };
	if (id && moat_sandbox_start(id, &err) < 0)
		return cli_fail_err("start", &err);
	return rc;
}

int cmd_state(int argc, char **argv)
{
	int rc;
	const char *id = one_id(&state_cmd, argc, argv, &rc);
	if (!id)
		return rc;
	struct moat_error err = { 0 };
	struct moat_container_state st;
	if (moat_sandbox_state(id, &st, &err) < 0)
		return cli_fail_err("state", &err);
	struct sbuf out = { 0 };
	struct json j = { .out = &out };
	json_obj(&j);
	json_kstr(&j, "ociVersion", "1.0.2");
	json_kstr(&j, "id", id);
	json_kstr(&j, "status", moat_container_status_name(st.status));
	json_kint(&j, "pid", st.status == MOAT_CONTAINER_STOPPED ? 0 : st.pid);
	json_kstr(&j, "bundle", st.bundle);
	json_end(&j);
	printf("%s\n", sbuf_str(&out));
	sbuf_release(&out);
	return EXIT_OK;
}

/* "TERM", "SIGTERM", "15" -> 15; 0 when unknown. */
static int signal_number(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (!*end && end != s)
		return n > 0 && n < NSIG ? (int)n : 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *name = sigabbrev_np(i);
		if (name && !strcasecmp(name, s))
			return i;
	}
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	if (cli_wants_help(&kill_cmd, argc, argv))
		return EXIT_OK;
	int first = 1;
	if (argc > 1 && !strcmp(argv[1], "--all")) /* every process: the init passes it on */
		first = 2;
	if (argc - first < 1 || argc - first > 2)
		return cli_usage(&kill_cmd, "expected ID [SIGNAL]");
	int sig = argc - first == 2 ? signal_number(argv[first + 1]) : SIGTERM;
	if (!sig)
		return cli_usage(&kill_cmd, "unknown signal '%s'", argv[first + 1]);
	struct moat_error err = { 0 };
	if (moat_sandbox_kill(argv[first], sig, &err) < 0)
		return cli_fail_err("kill", &err);
	return EXIT_OK;
}

int cmd_delete(int argc, char **argv)
{
	if (cli_wants_help(&delete_cmd, argc, argv))
		return EXIT_OK;
	bool force = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--force") && strcmp(argv[i], "-f"))
			return cli_usage(&delete_cmd, "unknown option '%s'", argv[i]);
		force = true;
	}
	if (i != argc - 1)
		return cli_usage(&delete_cmd, "expected one container id");
	struct moat_error err = { 0 };
	if (moat_sandbox_delete(argv[i], force, &err) < 0)
		return cli_fail_err("delete", &err);
	return EXIT_OK;
}
