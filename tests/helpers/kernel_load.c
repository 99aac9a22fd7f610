/*
 * kernel_load: the kernel side of the verifier corpus's differential check
 * (tests/integration/verifier_corpus.sh).
 *
 *     kernel_load TYPE FILE.s
 *
 * Assembles FILE.s with moat_asm_prog(), creates each of its `.map` maps in
 * the kernel (bpf_map_create, same type and sizes), rewrites the lddw map
 * references to the kernel's forms (src BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_VALUE
 * with imm = the map's fd) and loads the program with bpf_prog_load() as TYPE
 * (socket, xdp, tc, cgroup_skb, cgroup_device, tracepoint, raw_tracepoint).
 * It never attaches the program: the load alone runs the kernel's verifier.
 *
 * Prints "accept", or "reject: <strerror>" followed by the kernel's verifier
 * log.  Exit status: 0 accepted, 1 rejected, 2 usage or assembly error,
 * 3 the kernel's BPF is not usable here (not root, no bpf(2), map refused
 * for a reason that is not the program's), so the caller can skip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <moat/moat.h>

enum { EXIT_ACCEPT = 0, EXIT_REJECT = 1, EXIT_USAGE = 2, EXIT_UNAVAILABLE = 3 };

static const struct {
	const char *name;
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
} types[] = {
	{ "socket", BPF_PROG_TYPE_SOCKET_FILTER, 0 },
	{ "xdp", BPF_PROG_TYPE_XDP, BPF_XDP },
	{ "tc", BPF_PROG_TYPE_SCHED_CLS, 0 },
	{ "cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS },
	{ "cgroup_device", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE },
	{ "tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0 },
	{ "raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT, 0 },
};

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (!b)
				break;
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Loads insns; on rejection loads again with a log to show why (the first
 * load has no log, so a log too small for a long program cannot turn an
 * acceptance into ENOSPC). */
static int load(enum bpf_prog_type type, enum bpf_attach_type attach, const struct bpf_insn *insns,
		size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach);
	int fd = bpf_prog_load(type, "corpus", "GPL", insns, n, &o);
	if (fd >= 0) {
		close(fd);
		printf("accept\n");
		return EXIT_ACCEPT;
	}
	int e = errno;
	if (e == EPERM) {
		printf("unavailable: bpf_prog_load: %s\n", strerror(e));
		return EXIT_UNAVAILABLE;
	}
	size_t cap = 1 << 24;
	char *log = calloc(1, cap);
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = attach, .log_buf = log,
		    .log_size = (unsigned)cap, .log_level = 1);
	fd = log ? bpf_prog_load(type, "corpus", "GPL", insns, n, &lo) : -1;
	if (fd >= 0) /* cannot happen unless the kernel changed its mind */
		close(fd);
	printf("reject: %s\n%s", strerror(e), log ? log : "");
	free(log);
	return EXIT_REJECT;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: kernel_load TYPE FILE.s\n");
		return EXIT_USAGE;
	}
	size_t t = 0;
	while (t < sizeof(types) / sizeof(types[0]) && strcmp(types[t].name, argv[1]))
		t++;
	if (t == sizeof(types) / sizeof(types[0])) {
		fprintf(stderr, "kernel_load: unknown or unloadable program type '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	size_t len = 0;
	char *src = read_file(argv[2], &len);
	if (!src) {
		fprintf(stderr, "kernel_load: %s: %s\n", argv[2], strerror(errno));
		return EXIT_USAGE;
	}
	struct moat_error err;
	moat_error_clear(&err);
	struct moat_prog *prog = moat_asm_prog(src, len, argv[2], MOAT_PROG_MEM, &err);
	free(src);
	if (!prog) {
		char buf[1200];
		fprintf(stderr, "kernel_load: %s\n", moat_error_str(&err, buf, sizeof(buf)));
		return EXIT_USAGE;
	}
	size_t nmaps = moat_prog_map_count(prog), n;
	int *fds = calloc(nmaps ? nmaps : 1, sizeof(int));
	int rc = fds ? EXIT_ACCEPT : EXIT_USAGE;
	for (size_t k = 0; rc == EXIT_ACCEPT && k < nmaps; k++) {
		fds[k] = moat_kernel_map_create(moat_prog_map(prog, k), NULL);
		if (fds[k] < 0) {
			printf("unavailable: creating map '%s' in the kernel: %s\n",
			       moat_map_name(moat_prog_map(prog, k)), strerror(-fds[k]));
			rc = EXIT_UNAVAILABLE;
		}
	}
	const struct moat_insn *in = moat_prog_insns(prog, &n);
	struct bpf_insn *k_in = calloc(n, sizeof(*k_in));
	if (rc == EXIT_ACCEPT && !k_in)
		rc = EXIT_USAGE;
	if (rc == EXIT_ACCEPT) {
		_Static_assert(sizeof(struct bpf_insn) == sizeof(struct moat_insn), "same encoding");
		memcpy(k_in, in, n * sizeof(*k_in));
		/* lddw map forms: moat's imm is an index into the program's map
		 * table, the kernel's an fd; an index with no map gets fd -1, which
		 * the kernel rejects as moat does */
		for (size_t i = 0; i + 1 < n; i++) {
			if (k_in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
				continue;
			if (k_in[i].src_reg == BPF_PSEUDO_MAP_FD || k_in[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
				uint32_t idx = (uint32_t)k_in[i].imm;
				k_in[i].imm = idx < nmaps ? fds[idx] : -1;
			}
			i++;
		}
		rc = load(types[t].type, types[t].attach, k_in, n);
	}
	for (size_t k = 0; fds && k < nmaps; k++)
		if (fds[k] > 0)
			close(fds[k]);
	free(fds);
	free(k_in);
	moat_prog_free(prog);
	return rc;
}
