/* Shared by the `moat bpf` commands that take a program file. */
#ifndef MOAT_CLI_BPF_LOAD_H
#define MOAT_CLI_BPF_LOAD_H

#include <moat/moat.h>

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

/* True when the file starts with the ELF magic. */
bool cli_is_elf(const char *data, size_t len);

#endif
