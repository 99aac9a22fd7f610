/* moat bpf run: verify and run a program, print r0. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"

const char cmd_bpf_run_usage[] =
	"usage: moat bpf run FILE.{s,bin,o} [--section NAME] [--type TYPE]\n"
	"                    [--mem FILE | --mem-hex HEX] [--unverified] [--trace]\n"
	"                    [--jit [--harden]]\n"
	"\n"
	"Verify the program in FILE (an ELF object from clang -target bpf, assembly\n"
	"when the name ends in .s, raw bytecode otherwise), run it once and print r0\n"
	"as 'r0 = 0x2a (42)'.\n"
	"\n"
	"  --section NAME  ELF: the program with this section or function name (default: the first)\n"
	"  --type TYPE     program type (default: the ELF section's, else mem: r1 = input,\n"
	"                  r2 = its length); mem, socket, xdp, tc, cgroup_skb, cgroup_device,\n"
	"                  tracepoint, raw_tracepoint, seccomp\n"
	"  --mem FILE      input memory read from FILE; for xdp, tc, socket and cgroup_skb\n"
	"                  programs an Ethernet frame, as BPF_PROG_TEST_RUN's data_in:\n"
	"                  xdp reads it through struct xdp_md's data and data_end; tc,\n"
	"                  socket and cgroup_skb through struct __sk_buff (len, protocol\n"
	"                  and wire_len set from the frame, other fields 0; socket and\n"
	"                  cgroup_skb programs see it from the network header, as in\n"
	"                  the kernel) and with LD_ABS/LD_IND\n"
	"  --mem-hex HEX   input memory as hex digits (spaces allowed)\n"
	"  --unverified    skip the verifier; runs in the checked interpreter\n"
	"  --trace         print every executed instruction and the registers it changed\n"
	"  --jit           run native code from moat's x86-64 JIT (programs the verifier\n"
	"                  proves memory safe only)\n"
	"  --harden        with --jit: blind constants against JIT spraying\n"
	"\n"
	"Exit status: 0 success, 1 rejected or faulted, 2 usage error.\n";

static const struct cli_cmd run_cmd = { "bpf run", NULL, cmd_bpf_run_usage, NULL, NULL };

static int parse_hex(const char *s, uint8_t **out, size_t *len)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	uint8_t *b = malloc(cap);
	if (!b)
		return -ENOMEM;
	int half = -1;
	for (; *s; s++) {
		if (isspace((unsigned char)*s) || *s == ':')
			continue;
		if (!isxdigit((unsigned char)*s)) {
			free(b);
			return -EINVAL;
		}
		int v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		if (half < 0) {
			half = v;
		} else {
			b[n++] = (uint8_t)(half << 4 | v);
			half = -1;
		}
	}
	if (half >= 0) {
		free(b);
		return -EINVAL;
	}
	*out = b;
	*len = n;
	return 0;
}

static void write_file(void *arg, const char *text, size_t len)
{
	fwrite(text, 1, len, (FILE *)arg);
}

struct run_args {
	const char *file, *mem_file, *mem_hex;
	struct cli_prog_opts prog;
	bool unverified, trace, jit, harden;
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		CLI_PROG_OPTIONS,
		{ "mem", required_argument, NULL, 'm' },
		{ "mem-hex", required_argument, NULL, 'x' },
		{ "unverified", no_argument, NULL, 'u' },
		{ "trace", no_argument, NULL, 'T' },
		{ "jit", no_argument, NULL, 'j' },
		{ "harden", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int c, taken;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((taken = cli_prog_option(&run_cmd, c, optarg, &a->prog)) < 0)
			return EXIT_USAGE;
		if (taken)
			continue;
		switch (c) {
		case 'm': a->mem_file = optarg; break;
		case 'x': a->mem_hex = optarg; break;
		case 'u': a->unverified = true; break;
		case 'T': a->trace = true; break;
		case 'j': a->jit = true; break;
		case 'H': a->harden = true; break;
		default:
			return cli_usage(&run_cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(&run_cmd, optind == argc ? "missing FILE" : "too many arguments");
	if (a->mem_file && a->mem_hex)
		return cli_usage(&run_cmd, "--mem and --mem-hex exclude each other");
	if (a->jit && a->unverified)
		return cli_usage(&run_cmd, "--unverified runs only in the checked interpreter");
	if (a->harden && !a->jit)
		return cli_usage(&run_cmd, "--harden applies to --jit");
	if (a->jit && a->trace)
		return cli_usage(&run_cmd, "--trace needs the interpreter, not --jit");
	a->file = argv[optind];
	return EXIT_OK;
}

int cmd_bpf_run(int argc, char **argv)
{
	if (cli_wants_help(&run_cmd, argc, argv))
		return EXIT_OK;
	struct run_args a = { 0 };
	int st = parse_args(argc, argv, &a);
	if (st != EXIT_OK)
		return st;
	struct moat_error err;
	moat_error_clear(&err);
	uint8_t *mem = NULL;
	size_t mem_len = 0;
	if (a.mem_hex && parse_hex(a.mem_hex, &mem, &mem_len) < 0)
		return cli_usage(&run_cmd, "--mem-hex: '%s' is not an even number of hex digits",
				 a.mem_hex);
	if (a.mem_file && !(mem = (uint8_t *)cli_read_file(a.mem_file, &mem_len, &err)))
		return cli_fail_err("bpf run", &err);
	struct cli_prog cp;
	cli_bpf_load_opts(a.file, &a.prog, &cp, &err);
	struct moat_prog *prog = cp.prog;
	struct moat_vm *vm = NULL;
	struct moat_exec *exec = NULL;
	uint64_t r0 = 0;
	int rc = EXIT_FAIL;
	MOAT_OPTS(moat_vm_opts, vo, .print = { write_file, stdout });
	MOAT_OPTS(moat_exec_opts, eo,
		  .mode = a.jit ? MOAT_EXEC_JIT : a.unverified ? MOAT_EXEC_CHECKED : MOAT_EXEC_INTERP,
		  .unverified = a.unverified, .harden = a.harden, .mem_len = mem_len);
	if (a.trace)
		eo.trace = (struct moat_sink){ write_file, stdout };
	/* xdp and skb programs get moat's VM context around the input frame */
	struct moat_xdp_ctx xdp;
	struct moat_skb_ctx skb;
	void *ctx = mem;
	size_t ctx_len = mem_len;
	enum moat_prog_type type = prog ? moat_prog_type(prog) : MOAT_PROG_MEM;
	uint8_t none[1] = { 0 };
	uint8_t *pkt = mem ? mem : none; /* no input: an empty packet */
	if (type == MOAT_PROG_XDP && !a.unverified) {
		moat_xdp_ctx_init(&xdp, pkt, mem_len);
		ctx = &xdp;
		ctx_len = sizeof(xdp);
		eo.mem_len = 0;
	} else if ((type == MOAT_PROG_SCHED_CLS || type == MOAT_PROG_SOCKET_FILTER ||
		    type == MOAT_PROG_CGROUP_SKB) && !a.unverified) {
		moat_skb_ctx_init(&skb, pkt, mem_len);
		if (type != MOAT_PROG_SCHED_CLS)
			moat_skb_ctx_pull(&skb, 14);
		ctx = &skb;
		ctx_len = sizeof(skb);
		eo.mem_len = 0;
	}
	if (prog && (vm = moat_vm_new(&vo, &err)) && (exec = moat_exec_new(vm, prog, &eo, &err)) &&
	    moat_exec_run(exec, ctx, ctx_len, &r0, &err) == 0) {
		printf("r0 = 0x%llx (%lld)\n", (unsigned long long)r0, (long long)r0);
		rc = EXIT_OK;
	} else {
		cli_fail_err("bpf run", &err);
	}
	moat_exec_free(exec);
	moat_vm_free(vm);
	cli_prog_release(&cp);
	free(mem);
	return rc;
}
