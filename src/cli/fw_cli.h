/* Shared pieces of the `moat fw` subcommands (cmd_fw.c, cmd_fw_live.c, cmd_fw_table.c). */
#ifndef MOAT_CLI_FW_CLI_H
#define MOAT_CLI_FW_CLI_H

#include <moat/fw.h>

#include "cli/cli.h"

/* Where a loaded firewall lives: pins under the BPF filesystem, the rules text under /run. */
#define FW_PIN_SUBDIR "moat/fw"
#define FW_PIN_ROOT "/sys/fs/bpf/" FW_PIN_SUBDIR
#define FW_RUN_DIR "/run/moat/fw"

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

extern const char cmd_fw_check_usage[], cmd_fw_test_usage[], cmd_fw_load_usage[],
	cmd_fw_unload_usage[], cmd_fw_show_usage[], cmd_fw_table_usage[];

#endif
