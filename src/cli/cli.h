/* The moat command: one table of commands, one cmd_<name>.c per command. */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <moat/moat.h>

/* Exit statuses of every command. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli_cmd {
	const char *name;
	const char *summary; /* one line for `moat help` */
	const char *usage;   /* full --help text (man-page style) */
	int (*run)(int argc, char **argv);
	const struct cli_cmd *sub; /* subcommand table (NULL-terminated), or NULL */
};

/* Prints "moat: <what>: <message>" on stderr; returns EXIT_FAIL. */
int cli_fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the moat_error as "moat: <what>: file:line:col: msg"; returns EXIT_FAIL. */
int cli_fail_err(const char *what, const struct moat_error *err);
/* Prints a usage error and the usage line; returns EXIT_USAGE. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True (and prints the help) when argv asks for --help/-h. */
bool cli_wants_help(const struct cli_cmd *cmd, int argc, char **argv);
/* Reads a whole file (or "-" for stdin) into a malloc'd buffer with a NUL after it. */
char *cli_read_file(const char *path, size_t *len, struct moat_error *err);

/* An option's unsigned number (decimal, 0x hex or 0 octal), at most max;
 * false for anything else ("-1", "12k", "", too large). */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *v);
/* A sink printing library notes as "moat: <what>: note: ..." on stderr. */
struct moat_sink cli_notes(const char *what);
/* A duration option: seconds > 0 (decimals allowed, at most 1e7); false otherwise. */
bool cli_parse_seconds(const char *s, double *v);
/* Dispatches argv[0] over a NULL-name-terminated table of subcommands. */
int cli_dispatch(const char *prefix, const struct cli_cmd *table, int argc, char **argv);

/* Command entry points. */
int cmd_bpf(int argc, char **argv);
int cmd_bpf_asm(int argc, char **argv);
int cmd_bpf_disasm(int argc, char **argv);
int cmd_bpf_run(int argc, char **argv);
int cmd_bpf_verify(int argc, char **argv);
int cmd_bpf_conformance(int argc, char **argv);
int cmd_bpf_jit(int argc, char **argv);
int cmd_bpf_load(int argc, char **argv);
int cmd_bpf_unload(int argc, char **argv);
int cmd_run(int argc, char **argv);
extern const char cmd_run_usage[];
/* the OCI lifecycle (cmd_oci.c) */
int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
extern const char cmd_create_usage[], cmd_start_usage[], cmd_state_usage[], cmd_kill_usage[],
	cmd_delete_usage[];
int cmd_trace(int argc, char **argv);
extern const char cmd_trace_usage[];
int cmd_filter(int argc, char **argv);
extern const char cmd_filter_usage[];
int cmd_audit(int argc, char **argv);

extern const char cmd_audit_usage[];

extern const struct cli_cmd cli_bpf_cmds[];

/* moat seccomp (cmd_seccomp.c) */
int cmd_seccomp(int argc, char **argv);
int cmd_seccomp_compile(int argc, char **argv);
int cmd_seccomp_test(int argc, char **argv);
int cmd_seccomp_show(int argc, char **argv);
extern const char cmd_seccomp_usage[];
extern const struct cli_cmd cli_seccomp_cmds[];

int cmd_fw(int argc, char **argv);

extern const struct cli_cmd cli_fw_cmds[];
extern const struct cli_cmd cli_commands[];

#endif
