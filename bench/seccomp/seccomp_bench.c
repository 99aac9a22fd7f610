/*
 * seccomp_bench: moat's seccomp compiler on one profile (Docker's default
 * in bench/seccomp/run): parse and compile time (best of REPS, the
 * verifier's pass included), program size and worst-case path; the same
 * size figures for raw programs other compilers wrote (--ref, libseccomp's
 * via seccomp_ref -b); with -t, the cost the installed filter adds to an
 * allowed call (getppid) and to a denied one (acct), measured as the peer
 * harness seccomp_ref -t measures it.
 *
 * Usage: seccomp_bench PROFILE [-r REPS] [-t ITERS] [--ref NAME=FILE.bin]...
 * Output: key=value lines, one per program.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <moat/moat.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* best ns/call of 5 runs, as seccomp_ref times it */
static double time_syscall(long nr, long iters)
{
	long per = iters / 5 > 0 ? iters / 5 : 1;
	double best = 1e30;
	for (int r = 0; r < 5; r++) {
		double t0 = now_us();
		for (long i = 0; i < per; i++)
			syscall(nr, -1L, 0L, 0L);
		double ns = (now_us() - t0) * 1000.0 / (double)per;
		best = ns < best ? ns : best;
	}
	return best;
}

static void print_ref(const char *spec)
{
	const char *eq = strchr(spec, '=');
	const char *path = eq ? eq + 1 : spec;
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("%.*s insns=- worst_path=-\n", eq ? (int)(eq - spec) : 3, eq ? spec : "ref");
		return;
	}
	static struct moat_cbpf_insn p[MOAT_CBPF_MAXINSNS];
	size_t n = fread(p, sizeof(p[0]), MOAT_CBPF_MAXINSNS, f);
	fclose(f);
	printf("%.*s insns=%zu worst_path=%zu\n", eq ? (int)(eq - spec) : 3, eq ? spec : "ref", n,
	       moat_seccomp_worst_path(p, n));
}

static void time_filter(const struct moat_cbpf_insn *p, size_t n, long iters)
{
	double base = time_syscall(SYS_getppid, iters), base_acct = time_syscall(SYS_acct, iters);
	int fds[2];
	if (pipe(fds) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		double r[2];
		struct moat_error err;
		if (moat_seccomp_install(p, n, 0, &err) < 0)
			_exit(1);
		r[0] = time_syscall(SYS_getppid, iters);
		r[1] = time_syscall(SYS_acct, iters);
		_exit(write(fds[1], r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	double r[2] = { 0, 0 };
	ssize_t got = read(fds[0], r, sizeof(r));
	close(fds[0]);
	waitpid(pid, NULL, 0);
	if (got == sizeof(r))
		printf("getppid_ns: nofilter=%.1f filter=%.1f  acct(default action)_ns: nofilter=%.1f "
		       "filter=%.1f\n", base, r[0], base_acct, r[1]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "ref", required_argument, NULL, 'R' }, { NULL, 0, NULL, 0 } };
	int reps = 200, c;
	long iters = 0;
	const char *refs[8];
	int nrefs = 0;
	while ((c = getopt_long(argc, argv, "r:t:", opts, NULL)) != -1) {
		if (c == 'r')
			reps = atoi(optarg);
		else if (c == 't')
			iters = atol(optarg);
		else if (c == 'R' && nrefs < 8)
			refs[nrefs++] = optarg;
		else
			return 2;
	}
	if (optind != argc - 1 || reps < 1) {
		fprintf(stderr, "usage: seccomp_bench PROFILE [-r REPS] [-t ITERS] [--ref NAME=FILE]...\n");
		return 2;
	}
	struct moat_error err;
	char buf[1200];
	double parse_best = 1e30, compile_best = 1e30;
	struct moat_cbpf_insn *prog = NULL;
	size_t n = 0;
	struct moat_seccomp_stats st = { 0 };
	for (int r = 0; r < reps; r++) {
		double t0 = now_us();
		struct moat_seccomp_policy *p = moat_seccomp_load(argv[optind], NULL, &err);
		double t1 = now_us();
		free(prog);
		prog = NULL;
		if (!p || moat_seccomp_compile(p, NULL, &prog, &n, &st, &err) < 0) {
			fprintf(stderr, "seccomp_bench: %s\n", moat_error_str(&err, buf, sizeof(buf)));
			return 1;
		}
		double t2 = now_us();
		moat_seccomp_policy_free(p);
		parse_best = t1 - t0 < parse_best ? t1 - t0 : parse_best;
		compile_best = t2 - t1 < compile_best ? t2 - t1 : compile_best;
	}
	printf("moat insns=%zu worst_path=%zu syscalls=%zu ranges=%zu parse_us=%.1f compile_us=%.1f\n",
	       st.insns, st.worst_path, st.syscalls, st.ranges, parse_best, compile_best);
	for (int i = 0; i < nrefs; i++)
		print_ref(refs[i]);
	if (iters > 0)
		time_filter(prog, n, iters);
	free(prog);
	return 0;
}
