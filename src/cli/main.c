/* moat: entry point, `moat help`, `moat --version`. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_help(int argc, char **argv);

static const char help_usage[] =
	"usage: moat help [COMMAND [SUBCOMMAND]]\n"
	"\n"
	"Print the list of commands, or the manual of one command.\n";

static const char bpf_usage[] =
	"usage: moat bpf SUBCOMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"The BPF engine: assemble, disassemble, verify and run eBPF programs.\n"
	"Run 'moat help bpf SUBCOMMAND' for each subcommand's options.\n";

static const char fw_usage[] =
	"usage: moat fw SUBCOMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"The firewall: pf-like rule files (docs/fw.md) compiled to eBPF, tested on\n"
	"captures in moat's VM, enforced in the kernel at XDP or TC with connection\n"
	"state and per-rule counters.  Run 'moat help fw SUBCOMMAND' for each one.\n";

const struct cli_cmd cli_commands[] = {
	{ "bpf", "assemble, disassemble, verify and run eBPF programs", bpf_usage, cmd_bpf,
	  cli_bpf_cmds },
	{ "run", "run a command in a container", cmd_run_usage, cmd_run, NULL },
	{ "create", "create a container from an OCI bundle; it waits for start", cmd_create_usage,
	  cmd_create, NULL },
	{ "start", "start a created container's command", cmd_start_usage, cmd_start, NULL },
	{ "state", "print a container's OCI state (JSON)", cmd_state_usage, cmd_state, NULL },
	{ "kill", "signal a container's init", cmd_kill_usage, cmd_kill, NULL },
	{ "delete", "remove a stopped (or, with --force, any) container", cmd_delete_usage,
	  cmd_delete, NULL },
	{ "seccomp", "compile seccomp profiles (text, Docker JSON) to classic BPF", cmd_seccomp_usage,
	  cmd_seccomp, cli_seccomp_cmds },
	{ "trace", "count, time and stream the system calls of a process tree, cgroup or container",
	  cmd_trace_usage, cmd_trace, NULL },
	{ "filter", "print the packets a tcpdump filter expression matches (capture or live)",
	  cmd_filter_usage, cmd_filter, NULL },
	{ "fw", "firewall: compile, test and enforce pf-like rule files", fw_usage, cmd_fw,
	  cli_fw_cmds },
	{ "audit", "check the kernel's defences: modules, eBPF, CPU, isolation, hidden tasks",
	  cmd_audit_usage, cmd_audit, NULL },
	{ "help", "show the commands, or one command's manual", help_usage, cmd_help, NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static void list_commands(FILE *out, const struct cli_cmd *table, const char *prefix)
{
	for (const struct cli_cmd *c = table; c->name; c++)
		fprintf(out, "  %s%-14s %s\n", prefix, c->name, c->summary);
}

static void print_overview(FILE *out)
{
	fprintf(out, "usage: moat <command> [subcommand] [options] [args]\n"
		     "       moat help [command]   moat --version\n\n"
		     "moat %s: safe kernel extension and isolation, built on its own BPF engine.\n\n"
		     "Commands:\n",
		moat_version());
	list_commands(out, cli_commands, "");
	fprintf(out, "\nExit status: 0 success, 1 failure, 2 usage error.\n");
}

static const struct cli_cmd *find(const struct cli_cmd *table, const char *name)
{
	for (const struct cli_cmd *c = table; c && c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	const struct cli_cmd *c = find(cli_commands, argv[1]);
	if (c && argc > 2)
		c = find(c->sub, argv[2]);
	if (!c) {
		fprintf(stderr, "moat: help: no such command '%s%s%s'\n", argv[1],
			argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
		return EXIT_USAGE;
	}
	fputs(c->usage, stdout);
	if (c->sub) {
		fprintf(stdout, "\nSubcommands:\n");
		list_commands(stdout, c->sub, "");
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("moat %s\n", moat_version());
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	return cli_dispatch("", cli_commands, argc - 1, argv + 1);
}
