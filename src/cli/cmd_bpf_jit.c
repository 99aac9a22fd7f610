/* moat bpf jit: verify a program, compile it to x86-64, write and show the code. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"
/* Internal: the display-only translation (moat_jit_image).  Nothing is made
 * executable here, so this works whatever the verifier can prove. */
#include "engine/exec_internal.h"

const char cmd_bpf_jit_usage[] =
	"usage: moat bpf jit FILE.{s,bin,o} [--section NAME] [--type TYPE] [--mem-len N]\n"
	"                    [--harden] [-o CODE.bin]\n"
	"\n"
	"Verify the program in FILE (an ELF object, assembly when the name ends in .s,\n"
	"raw bytecode otherwise), compile it with moat's x86-64 JIT and print the\n"
	"native code: disassembled by objdump when it is installed, as hex otherwise.\n"
	"The code is shown, never run; addresses of helpers and maps in it are those\n"
	"of this process.\n"
	"\n"
	"  --section NAME  ELF: the program with this section or function name\n"
	"  --type TYPE     program type (default: the ELF section's, else mem)\n"
	"  --mem-len N     mem programs: the length of the buffer r1 points to\n"
	"  --harden        blind constants, as moat_exec_opts.harden does\n"
	"  -o CODE.bin     also write the raw machine code to CODE.bin\n"
	"\n"
	"Exit status: 0 success, 1 rejected or unwritable, 2 usage error.\n";

/* Registered in cmd_bpf.c's table (cli.h lists the other commands). */
int cmd_bpf_jit(int argc, char **argv);

static const struct cli_cmd jit_cmd = { "bpf jit", NULL, cmd_bpf_jit_usage, NULL, NULL };

struct jit_args {
	const char *file, *out;
	struct cli_prog_opts prog;
	bool harden;
	uint64_t mem_len;
};

static int parse_args(int argc, char **argv, struct jit_args *a)
{
	static const struct option opts[] = {
		CLI_PROG_OPTIONS,
		{ "mem-len", required_argument, NULL, 'm' },
		{ "harden", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int c, taken;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if ((taken = cli_prog_option(&jit_cmd, c, optarg, &a->prog)) < 0)
			return EXIT_USAGE;
		if (taken)
			continue;
		switch (c) {
		case 'o': a->out = optarg; break;
		case 'H': a->harden = true; break;
		case 'm':
			if (!cli_parse_u64(optarg, UINT32_MAX, &a->mem_len))
				return cli_usage(&jit_cmd, "--mem-len takes a byte count, not '%s'",
						 optarg);
			break;
		default:
			return cli_usage(&jit_cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(&jit_cmd, optind == argc ? "missing FILE" : "too many arguments");
	a->file = argv[optind];
	return EXIT_OK;
}

static int write_all(const char *path, const uint8_t *p, size_t len, struct moat_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return moat_error_set(err, errno, "%s: %s", path, strerror(errno));
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int en = w < 0 ? errno : EIO;
			close(fd);
			return moat_error_set(err, en, "%s: %s", path, strerror(en));
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0)
		return moat_error_set(err, errno, "%s: %s", path, strerror(errno));
	return 0;
}

/* Runs objdump on the raw code; false when it is not installed or failed. */
static bool disassemble(const char *path)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		execlp("objdump", "objdump", "-D", "-b", "binary", "-m", "i386:x86-64",
		       "--no-show-raw-insn", path, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void hexdump(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 16) {
		printf("%6zx:", i);
		for (size_t k = i; k < len && k < i + 16; k++)
			printf(" %02x", p[k]);
		putchar('\n');
	}
}

int cmd_bpf_jit(int argc, char **argv)
{
	if (cli_wants_help(&jit_cmd, argc, argv))
		return EXIT_OK;
	struct jit_args a = { 0 };
	int st = parse_args(argc, argv, &a);
	if (st != EXIT_OK)
		return st;
	struct moat_error err;
	moat_error_clear(&err);
	struct cli_prog cp;
	struct moat_vm *vm = NULL;
	uint8_t *code = NULL;
	size_t len = 0, n = 0;
	int rc = EXIT_FAIL;
	char tmp[] = "/tmp/moat-jit-XXXXXX";
	bool have_tmp = false;
	cli_bpf_load_opts(a.file, &a.prog, &cp, &err);
	if (!cp.prog || !(vm = moat_vm_new(NULL, &err)))
		goto out;
	MOAT_OPTS(moat_verify_opts, vo, .vm = vm, .mem_len = a.mem_len);
	if (moat_verify(cp.prog, &vo, NULL, &err) < 0 ||
	    moat_jit_image(vm, cp.prog, a.harden, &code, &len, &err) < 0)
		goto out;
	if (a.out && write_all(a.out, code, len, &err) < 0)
		goto out;
	moat_prog_insns(cp.prog, &n);
	printf("; %zu eBPF instructions -> %zu bytes of x86-64%s\n", n, len,
	       a.harden ? " (constants blinded)" : "");
	const char *path = a.out;
	if (!path) {
		int fd = mkstemp(tmp);
		if (fd >= 0) {
			close(fd);
			have_tmp = true;
			path = write_all(tmp, code, len, &err) == 0 ? tmp : NULL;
		}
	}
	if (!path || !disassemble(path))
		hexdump(code, len);
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK)
		cli_fail_err("bpf jit", &err);
	if (have_tmp)
		unlink(tmp);
	free(code);
	moat_vm_free(vm);
	cli_prog_release(&cp);
	return rc;
}
