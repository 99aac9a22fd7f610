/* moat bpf: the engine's subcommands. */
#include <string.h>

#include "cli/cli.h"

extern const char cmd_bpf_asm_usage[], cmd_bpf_disasm_usage[], cmd_bpf_run_usage[],
	cmd_bpf_verify_usage[], cmd_bpf_conformance_usage[], cmd_bpf_jit_usage[],
	cmd_bpf_load_usage[], cmd_bpf_unload_usage[];

const struct cli_cmd cli_bpf_cmds[] = {
	{ "asm", "assemble a .s file to raw bytecode", cmd_bpf_asm_usage, cmd_bpf_asm, NULL },
	{ "disasm", "print the instructions of a .bin or .o file", cmd_bpf_disasm_usage,
	  cmd_bpf_disasm, NULL },
	{ "run", "verify and run a program, print r0", cmd_bpf_run_usage, cmd_bpf_run, NULL },
	{ "verify", "prove a program safe, or explain why not", cmd_bpf_verify_usage,
	  cmd_bpf_verify, NULL },
	{ "conformance", "run the BPF conformance suite's .data files", cmd_bpf_conformance_usage,
	  cmd_bpf_conformance, NULL },
	{ "jit", "compile a program to x86-64 and show the code", cmd_bpf_jit_usage, cmd_bpf_jit,
	  NULL },
	{ "load", "load a program into the kernel and attach it where its section says",
	  cmd_bpf_load_usage, cmd_bpf_load, NULL },
	{ "unload", "remove what bpf load --pin left in force", cmd_bpf_unload_usage, cmd_bpf_unload,
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_bpf(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(cli_commands[0].usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	return cli_dispatch("bpf: ", cli_bpf_cmds, argc - 1, argv + 1);
}
