/* Shared by the `moat bpf` commands that take a program file. */
#ifndef MOAT_CLI_BPF_LOAD_H
#define MOAT_CLI_BPF_LOAD_H

#include <moat/moat.h>

/*
 * Loads FILE as a program of `type`: `.s` files are assembled, anything
 * else is raw little-endian bytecode (8 bytes an instruction).  Returns a
 * program the caller frees with moat_prog_free(), or NULL with err set.
 */
struct moat_prog *cli_bpf_load_prog(const char *path, enum moat_prog_type type,
				    struct moat_error *err);

#endif
