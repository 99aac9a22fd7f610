/*
 * hook_floor_bench: where a traced system call's time goes, in one process.
 * getppid(2) ns per call, best of 7 loops of N calls, under:
 *
 *   bare          nothing attached
 *   empty hooks   a program that only returns 0 on sys_enter and sys_exit (the
 *                 floor of any syscall tracer: the kernel's slow syscall path and
 *                 the tracepoint's program call, paid by every process)
 *   bystander     a moat trace session of another process: this process runs
 *                 moat's scope check (pid_tgid and one inlined bit test) only
 *   traced        a moat trace session of this loop's own process tree (a child)
 *
 * usage: hook_floor_bench [N]   (root; default N = 200000)
 */
#include <errno.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <moat/moat.h>

static long n_calls = 200000;

static double loop_ns(void)
{
	double best = 1e18;
	for (int rep = 0; rep < 7; rep++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n_calls; i++)
			syscall(SYS_getppid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
			    (double)n_calls;
		if (ns < best)
			best = ns;
	}
	return best;
}

/* An empty program (r0 = 0; exit) on a raw-tracepoint hook of the first kind that works. */
static int attach_empty(const char *hook, struct moat_kprog **kp, struct moat_error *err)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_RAW_TRACEPOINT);
	if (!b)
		return moat_error_set(err, ENOMEM, "out of memory");
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_prog *p = moat_builder_finish(b, "moat_probe", err);
	moat_builder_free(b);
	if (!p)
		return -1;
	MOAT_OPTS(moat_kernel_load_opts, lo, .attach_type = BPF_TRACE_RAW_TP);
	int id = moat_kernel_tp_btf_id(hook, err);
	enum moat_hook_kind kind = id > 0 ? MOAT_HOOK_TP_BTF : MOAT_HOOK_RAW_TP;
	if (id > 0)
		lo.attach_btf_id = (uint32_t)id;
	else
		lo.attach_type = 0;
	*kp = moat_kernel_load(p, &lo, err);
	moat_prog_free(p);
	if (!*kp)
		return -1;
	return moat_attach_hook(kind, moat_kprog_fd(*kp), hook, err);
}

/* The loop in a traced child; its result comes back through a pipe. */
static double traced_ns(struct moat_error *err)
{
	int go[2], res[2];
	if (pipe(go) < 0 || pipe(res) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		double ns = loop_ns();
		_exit(write(res[1], &ns, sizeof(ns)) == sizeof(ns) ? 0 : 1);
	}
	MOAT_OPTS(moat_trace_opts, o, .pids = &pid, .n_pids = 1);
	struct moat_trace *t = moat_trace_new(&o, err);
	double ns = -1;
	if (t && write(go[1], "g", 1) == 1 && read(res[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	if (!t)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	moat_trace_free(t);
	close(go[0]), close(go[1]), close(res[0]), close(res[1]);
	return ns;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		n_calls = atol(argv[1]) > 0 ? atol(argv[1]) : n_calls;
	struct moat_error err = { 0 };
	double bare = loop_ns();

	struct moat_kprog *ke = NULL, *kx = NULL;
	int le = attach_empty("sys_enter", &ke, &err), lx = le < 0 ? -1 : attach_empty("sys_exit", &kx, &err);
	if (le < 0 || lx < 0) {
		fprintf(stderr, "hook_floor_bench: %s\n", err.msg);
		return 1;
	}
	double empty = loop_ns();
	close(lx), close(le);
	moat_kprog_free(kx), moat_kprog_free(ke);

	pid_t other = fork();
	if (other == 0) {
		pause();
		_exit(0);
	}
	MOAT_OPTS(moat_trace_opts, o, .pids = &other, .n_pids = 1);
	struct moat_trace *t = moat_trace_new(&o, &err);
	double bystander = t ? loop_ns() : -1;
	moat_trace_free(t);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	if (!t) {
		fprintf(stderr, "hook_floor_bench: %s\n", err.msg);
		return 1;
	}
	double traced = traced_ns(&err);
	if (traced < 0) {
		fprintf(stderr, "hook_floor_bench: traced run failed: %s\n", err.msg);
		return 1;
	}
	printf("# getppid ns/call, best of 7 x %ld; ratio to bare; added ns per syscall\n", n_calls);
	printf("%-28s %8.0f %6.2fx %+8.0f\n", "bare", bare, 1.0, 0.0);
	printf("%-28s %8.0f %6.2fx %+8.0f\n", "empty enter+exit hooks", empty, empty / bare,
	       empty - bare);
	printf("%-28s %8.0f %6.2fx %+8.0f\n", "moat bystander", bystander, bystander / bare,
	       bystander - bare);
	printf("%-28s %8.0f %6.2fx %+8.0f\n", "moat traced (summary)", traced, traced / bare,
	       traced - bare);
	return 0;
}
