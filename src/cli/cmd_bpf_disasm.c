/* moat bpf disasm: print the instructions of raw eBPF bytecode. */
#include <string.h>

#include <moat/asm.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"
#include "util/cleanup.h"

const char cmd_bpf_disasm_usage[] =
	"usage: moat bpf disasm [--syntax=moat|llvm] [--asm] FILE.{bin,o}\n"
	"\n"
	"Prints the instructions of FILE.bin (or standard input when FILE.bin is\n"
	"'-'): raw eBPF bytecode, 8 little-endian bytes per instruction, as\n"
	"'moat bpf asm' writes it.  Each line shows the instruction index, then the\n"
	"instruction; jump offsets are relative to the next instruction:\n"
	"       0: mov32 %r0, 1\n"
	"       1: jeq %r1, 0, +1\n"
	"An encoding that no instruction has prints as '.insn 0x...' (the 64-bit\n"
	"word, low byte = opcode) and makes the exit status 1.\n"
	"\n"
	"Options:\n"
	"  --syntax=moat    the conformance-suite syntax (default): mov32 %r0, 1\n"
	"  --syntax=llvm    the llvm-objdump / kernel style: w0 = 1, if r1 > r2 goto +3\n"
	"  -a, --asm        print source that 'moat bpf asm' reads back into the same\n"
	"                   bytes: no index column, and jump targets as labels\n"
	"                   'L<index>:' (with --syntax=moat)\n"
	"  -h, --help       show this help\n"
	"\n"
	"An ELF object from clang -target bpf prints every program under a header\n"
	"'SECTION (NAME):', with its C source lines (from BTF line info) as ';' comments.\n"
	"\n"
	"Exit status: 0 success, 1 unreadable input, a size that is not a multiple\n"
	"of 8, or an invalid encoding, 2 usage error.\n"
	"\n"
	"Example (round trip): moat bpf disasm --asm prog.bin | moat bpf asm -o same.bin -\n";

static const struct cli_cmd self = { "bpf disasm", NULL, cmd_bpf_disasm_usage, cmd_bpf_disasm,
				     NULL };

static struct moat_insn *decode_bytes(const unsigned char *b, size_t len)
{
	size_t n = len / 8;
	struct moat_insn *p = calloc(n ? n : 1, sizeof(*p));
	for (size_t i = 0; p && i < n; i++, b += 8) {
		p[i] = MOAT_INSN(b[0], b[1] & 0xf, b[1] >> 4, (int16_t)(uint16_t)(b[2] | b[3] << 8),
				 (int32_t)((uint32_t)b[4] | (uint32_t)b[5] << 8 |
					   (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24));
	}
	return p;
}

/* Prints with an index column, and the source line wherever line info
 * changes (prog may be NULL); returns the number of invalid encodings. */
static int print_indexed(const struct moat_prog *prog, const struct moat_insn *p, size_t n,
			 enum moat_syntax syn)
{
	int bad = 0;
	char line[128];
	const struct moat_line_info *last = NULL;
	for (size_t i = 0; i < n;) {
		const struct moat_line_info *li = prog ? moat_prog_line_info(prog, i) : NULL;
		bool same = li && last && li->line == last->line && li->file && last->file &&
			    !strcmp(li->file, last->file);
		if (li && !same && li->text)
			printf("; %s:%u: %s\n", li->file ? li->file : "?", li->line, li->text);
		last = li;
		int r = moat_disasm_insn(p, n, i, syn, line, sizeof(line));
		printf("%6zu: %s\n", i, line);
		bad += r < 0;
		i += r > 0 ? (size_t)r : 1;
	}
	return bad;
}

static int count_invalid(const struct moat_insn *p, size_t n)
{
	int bad = 0;
	char line[128];
	for (size_t i = 0; i < n;) {
		int r = moat_disasm_insn(p, n, i, MOAT_SYNTAX_MOAT, line, sizeof(line));
		bad += r < 0;
		i += r > 0 ? (size_t)r : 1;
	}
	return bad;
}

static int print_object(const char *path, enum moat_syntax syn)
{
	struct moat_error err;
	struct moat_obj *obj = moat_obj_open(path, &err);
	if (!obj)
		return cli_fail_err("bpf disasm", &err);
	int bad = 0;
	for (size_t i = 0; i < moat_obj_prog_count(obj); i++) {
		const struct moat_prog *prog = moat_obj_prog(obj, i);
		size_t n;
		const struct moat_insn *p = moat_prog_insns(prog, &n);
		printf("%s%s (%s):\n", i ? "\n" : "", moat_obj_prog_section(obj, i),
		       moat_prog_name(prog));
		bad += print_indexed(prog, p, n, syn);
	}
	moat_obj_free(obj);
	if (bad)
		return cli_fail("bpf disasm", "%s: %d invalid instruction%s", path, bad,
				bad == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_bpf_disasm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "syntax", required_argument, NULL, 's' },
		{ "asm", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum moat_syntax syn = MOAT_SYNTAX_MOAT;
	bool as_src = false;
	if (cli_wants_help(&self, argc, argv))
		return EXIT_OK;
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, "ah", opts, NULL)) != -1;) {
		if (c == 'a')
			as_src = true;
		else if (c == 's' && !strcmp(optarg, "moat"))
			syn = MOAT_SYNTAX_MOAT;
		else if (c == 's' && !strcmp(optarg, "llvm"))
			syn = MOAT_SYNTAX_LLVM;
		else if (c == 's')
			return cli_usage(&self, "unknown syntax '%s' (moat or llvm)", optarg);
		else
			return cli_usage(&self, "unknown option");
	}
	if (optind != argc - 1)
		return cli_usage(&self, optind >= argc ? "missing FILE.bin" : "too many arguments");
	const char *path = argv[optind];
	struct moat_error err;
	size_t len = 0;
	MOAT_AUTO(free) char *data = cli_read_file(path, &len, &err);
	if (!data)
		return cli_fail_err("bpf disasm", &err);
	if (cli_is_elf(data, len))
		return print_object(path, syn);
	if (len % 8)
		return cli_fail("bpf disasm", "%s: size %zu is not a multiple of 8 bytes", path, len);
	size_t n = len / 8;
	MOAT_AUTO(free) struct moat_insn *p = decode_bytes((const unsigned char *)data, len);
	if (!p)
		return cli_fail("bpf disasm", "out of memory");
	int bad;
	if (as_src) {
		MOAT_AUTO(free) char *txt = moat_disasm(p, n, syn, true, &err);
		if (!txt)
			return cli_fail_err("bpf disasm", &err);
		fputs(txt, stdout);
		bad = count_invalid(p, n);
	} else {
		bad = print_indexed(NULL, p, n, syn);
	}
	if (fflush(stdout))
		return cli_fail("bpf disasm", "write failed");
	if (bad)
		return cli_fail("bpf disasm", "%s: %d invalid instruction%s", path, bad,
				bad == 1 ? "" : "s");
	return EXIT_OK;
}
