/* moat bpf asm: assemble the conformance-suite syntax into raw eBPF bytecode. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <moat/asm.h>

#include "cli/cli.h"
#include "util/cleanup.h"

const char cmd_bpf_asm_usage[] =
	"usage: moat bpf asm [-o OUTPUT] FILE.s\n"
	"\n"
	"Assembles FILE.s (or standard input when FILE.s is '-') into raw eBPF\n"
	"bytecode: 8 bytes per instruction, little-endian, lddw taking two slots.\n"
	"\n"
	"The syntax is the BPF conformance suite's: one instruction or 'label:' a\n"
	"line, registers %r0..%r10, '#' or ';' comments:\n"
	"    mov32 %r0, 1          add %r1, %r2         neg %r3      le16 %r1\n"
	"    lddw %r1, 0x1122334455667788              ldxw %r0, [%r1+4]\n"
	"    stw [%r10-4], 7       stxdw [%r10-8], %r1  lock fetch add [%r10-8], %r1\n"
	"    jsgt %r1, %r2, +3     jeq32 %r1, 5, done   ja -2        ja32 loop\n"
	"    call 5   call local fn   call %r2   call runtime 7   exit\n"
	"    .insn 0x0000000100000004      (one raw slot, low byte = opcode)\n"
	"Immediates are decimal or 0x hex and must fit 32 bits; memory and jump\n"
	"offsets must fit 16 bits.  The label 'exit' means the first exit unless\n"
	"it is defined.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   write the bytecode to FILE ('-' for standard output).\n"
	"                      Without -o the bytecode goes to standard output,\n"
	"                      which must then not be a terminal.\n"
	"  -h, --help          show this help\n"
	"\n"
	"Errors name the place: 'moat: bpf asm: prog.s:3:9: expected register, got 'r11''.\n"
	"\n"
	"Exit status: 0 success, 1 the source does not assemble or output failed,\n"
	"2 usage error.\n"
	"\n"
	"Example: moat bpf disasm --asm prog.bin | moat bpf asm -o again.bin -\n";

static const struct cli_cmd self = { "bpf asm", NULL, cmd_bpf_asm_usage, cmd_bpf_asm, NULL };

/* Writes the instructions as little-endian 8-byte words. */
static int write_insns(FILE *f, const struct moat_insn *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b[8] = { p[i].code, (uint8_t)(p[i].dst | p[i].src << 4) };
		uint16_t off = (uint16_t)p[i].off;
		uint32_t imm = (uint32_t)p[i].imm;
		b[2] = (uint8_t)off;
		b[3] = (uint8_t)(off >> 8);
		for (int k = 0; k < 4; k++)
			b[4 + k] = (uint8_t)(imm >> (8 * k));
		if (fwrite(b, 1, sizeof(b), f) != sizeof(b))
			return -1;
	}
	return 0;
}

static int output(const char *out, const struct moat_insn *p, size_t n)
{
	bool to_stdout = !out || !strcmp(out, "-");
	FILE *f = to_stdout ? stdout : fopen(out, "wb");
	if (!f)
		return cli_fail("bpf asm", "%s: %s", out, strerror(errno));
	int r = write_insns(f, p, n);
	r |= to_stdout ? fflush(f) : fclose(f);
	if (r)
		return cli_fail("bpf asm", "%s: write failed: %s", to_stdout ? "<stdout>" : out,
				strerror(errno));
	return EXIT_OK;
}

int cmd_bpf_asm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	if (cli_wants_help(&self, argc, argv))
		return EXIT_OK;
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1;) {
		if (c == 'o')
			out = optarg;
		else
			return cli_usage(&self, "unknown option");
	}
	if (optind != argc - 1)
		return cli_usage(&self, optind >= argc ? "missing FILE.s" : "too many arguments");
	if (!out && isatty(STDOUT_FILENO))
		return cli_usage(&self, "refusing to write bytecode to a terminal; use -o FILE");
	const char *path = argv[optind];
	struct moat_error err;
	size_t len = 0;
	MOAT_AUTO(free) char *src = cli_read_file(path, &len, &err);
	if (!src)
		return cli_fail_err("bpf asm", &err);
	MOAT_AUTO(free) struct moat_insn *p = NULL;
	size_t n = 0;
	if (moat_asm(src, len, strcmp(path, "-") ? path : "<stdin>", &p, &n, &err) < 0)
		return cli_fail_err("bpf asm", &err);
	return output(out, p, n);
}
