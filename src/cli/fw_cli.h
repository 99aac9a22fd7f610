/* Shared pieces of the `moat fw` subcommands (cmd_fw*.c). */
#ifndef MOAT_CLI_FW_CLI_H
#define MOAT_CLI_FW_CLI_H

#include <moat/fw.h>

#include "cli/cli.h"

/* Where a loaded firewall lives: pins under the BPF filesystem, the rules text under /run. */
#define FW_PIN_SUBDIR "moat/fw"
#define FW_PIN_ROOT "/sys/fs/bpf/" FW_PIN_SUBDIR
#define FW_RUN_DIR "/run/moat/fw"

/* The options of the fw subcommands; each accepts a subset (FWO_* bits). */
enum {
	FWO_DEV = 1u << 0,     /* --dev IFACE */
	FWO_JSON = 1u << 1,    /* --json */
	FWO_PRINT = 1u << 2,   /* --print */
	FWO_EXPLAIN = 1u << 3, /* --explain */
	FWO_OUT = 1u << 4,     /* --out */
	FWO_READ = 1u << 5,    /* -r, --read FILE */
	FWO_HOOK = 1u << 6,    /* --xdp | --tc */
	FWO_COUNT = 1u << 7,   /* -c, --count N */
	FWO_WRITE = 1u << 8,   /* -w, --write FILE */
	FWO_TIMEOUT = 1u << 9, /* --timeout SECONDS */
};

struct fw_opts {
	const char *dev, *read, *write;
	bool json, print, explain, out, tc;
	unsigned long count; /* 0: no limit */
	double timeout;	     /* seconds; 0: none */
	char **args;	     /* the operands, in order */
	int nargs;
};

/*
 * Parses argv (options may come before or after the operands) accepting
 * the options in `accept`; checks that an interface name has no '/' and
 * that --xdp and --tc are not both given.  Returns EXIT_OK, or prints the
 * usage error and returns EXIT_USAGE, or EXIT_FAIL for a bad value.
 */
int fw_cli_options(const struct cli_cmd *cmd, unsigned accept, int argc, char **argv,
		   struct fw_opts *o);

/* Reads and parses a rule file; on error prints it with the source line
 * and a caret and returns NULL.  *text receives the file (caller frees). */
struct moat_fw_rules *fw_cli_parse(const char *what, const char *path, char **text);

/* Prints err as "moat: WHAT: file:line:col: msg", then the line and a caret
 * when the position is known.  Returns EXIT_FAIL. */
int fw_cli_fail(const char *what, const struct moat_error *err, const char *src);

int cmd_fw_check(int argc, char **argv);
int cmd_fw_test(int argc, char **argv);
int cmd_fw_load(int argc, char **argv);
int cmd_fw_unload(int argc, char **argv);
int cmd_fw_show(int argc, char **argv);
int cmd_fw_table(int argc, char **argv);
int cmd_fw_log(int argc, char **argv);

extern const char cmd_fw_check_usage[], cmd_fw_test_usage[], cmd_fw_load_usage[],
	cmd_fw_unload_usage[], cmd_fw_show_usage[], cmd_fw_table_usage[], cmd_fw_log_usage[];

#endif
