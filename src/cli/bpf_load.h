/* Shared by the `moat bpf` commands that take a program file. */
#ifndef MOAT_CLI_BPF_LOAD_H
#define MOAT_CLI_BPF_LOAD_H

#include <moat/moat.h>

#include "cli/cli.h"

/* A program read from a file; `obj` is set when it came from an ELF object
 * (which then owns `prog`). */
struct cli_prog {
	struct moat_prog *prog;
	struct moat_obj *obj;
};

/*
 * Loads FILE: an ELF object from clang -target bpf (the program named
 * `section`, by section or function name, or the first one when NULL),
 * assembly when the name ends in .s (its `.map` declarations become the
 * program's maps, see moat_asm_prog()), raw little-endian bytecode otherwise.
 * `type`, when not NULL, overrides the type (ELF objects carry their own;
 * the others default to mem).  Release with cli_prog_release().
 */
int cli_bpf_load(const char *path, const char *section, const enum moat_prog_type *type,
		 struct cli_prog *out, struct moat_error *err);
void cli_prog_release(struct cli_prog *p);

/*
 * The program-file options every `moat bpf` command takes: --section NAME
 * and --type TYPE.  Put CLI_PROG_OPTIONS in the getopt_long table and hand
 * each option to cli_prog_option() first.
 */
struct cli_prog_opts {
	const char *section;
	enum moat_prog_type type; /* valid when type_set */
	bool type_set;
};
#define CLI_PROG_OPTIONS                                        \
	{ "section", required_argument, NULL, CLI_OPT_SECTION }, \
	{ "type", required_argument, NULL, CLI_OPT_TYPE }
enum { CLI_OPT_SECTION = 0x100, CLI_OPT_TYPE };

/* Takes option `c` when it is one of CLI_PROG_OPTIONS: returns 1 when taken,
 * 0 when not one of them, -1 after printing the usage error for an unknown
 * type (the command then exits with EXIT_USAGE). */
int cli_prog_option(const struct cli_cmd *cmd, int c, const char *arg, struct cli_prog_opts *o);

/* cli_bpf_load() with the options' section and type. */
int cli_bpf_load_opts(const char *path, const struct cli_prog_opts *o, struct cli_prog *out,
		      struct moat_error *err);

/* True when the file starts with the ELF magic. */
bool cli_is_elf(const char *data, size_t len);

#endif
