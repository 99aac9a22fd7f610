/*
 * The compiled Docker profile in the running kernel, safely.  A forked
 * child installs a variant of the program whose ALLOW returns are
 * ERRNO(MARKER) (the same program otherwise), then calls every syscall
 * number, and every syscall the profile names with arguments on both
 * sides of its conditions, through syscall(2): MARKER back means the
 * filter allowed the call, the profile's errno means it denied it, and no
 * call ever runs.  One prefix lets exit_group(MAGIC) through so the child
 * can end.  Results go to shared memory: the child makes no other calls.
 * Expected answers come from the independent json-c reading of the profile.
 * Then: an x32 call, an i386 call (int $0x80), a kill rule and a trap rule,
 * each in its own child.
 */
#include <linux/filter.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "test_seccomp_docker.h"

#define MARKER 3999
#define MAGIC 0x6d6f6174u /* exit_group's argument that the prefix lets through */
#define MAX_PROBES 4096

struct probe {
	int nr;
	uint64_t args[6];
	int want; /* errno the call must come back with */
	long ret;
	int got;
};

/* prefix + the program with ALLOW turned into ERRNO(MARKER); caller frees */
static struct moat_cbpf_insn *variant(const struct moat_seccomp_policy *p, size_t *n)
{
	struct moat_error e;
	char b[1200];
	struct moat_cbpf_insn *prog;
	size_t np;
	MOAT_OPTS(moat_seccomp_compile_opts, o, .allow_as = MOAT_SECCOMP_ERRNO(MARKER));
	if (moat_seccomp_compile(p, &o, &prog, &np, NULL, &e) < 0) {
		diag("compile: %s", moat_error_str(&e, b, sizeof(b)));
		return NULL;
	}
	static const struct moat_cbpf_insn prefix[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, 0 },             /* A = nr */
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 3, SYS_exit_group }, /* not exit_group: the program */
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, 16 },            /* A = arg0 (low word) */
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, MAGIC },
		{ BPF_RET | BPF_K, 0, 0, MOAT_SECCOMP_ALLOW },
	};
	size_t np2 = sizeof(prefix) / sizeof(prefix[0]);
	struct moat_cbpf_insn *v = calloc(np + np2, sizeof(*v));
	memcpy(v, prefix, sizeof(prefix));
	memcpy(v + np2, prog, np * sizeof(*prog));
	free(prog);
	*n = np + np2;
	return v;
}

static void quiet_child(void)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core); /* the SIGSYS deaths below must not dump core */
}

/* Installs the variant in a child, runs fn there; returns the wait status. */
static int in_child(const struct moat_cbpf_insn *v, size_t n, void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		quiet_child();
		struct moat_error e;
		if (moat_seccomp_install(v, n, 0, &e) < 0)
			_exit(100);
		fn(arg);
		syscall(SYS_exit_group, MAGIC);
		for (;;)
			; /* unreachable: exit_group(MAGIC) is allowed */
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return st;
}

static void run_probes(void *arg)
{
	struct probe *p = arg;
	for (size_t i = 0; p[i].nr >= 0; i++) {
		errno = 0;
		p[i].ret = syscall(p[i].nr, p[i].args[0], p[i].args[1], p[i].args[2], p[i].args[3],
				   p[i].args[4], p[i].args[5]);
		p[i].got = errno;
	}
}

static int errno_of(uint32_t action)
{
	return action == MOAT_SECCOMP_ALLOW ? MARKER : (int)(action & 0xffff);
}

static size_t add(struct probe *p, size_t n, int nr, int arg, uint64_t v, int want)
{
	if (n + 1 >= MAX_PROBES)
		return n;
	memset(&p[n], 0, sizeof(p[n]));
	p[n].nr = nr;
	p[n].args[arg] = v;
	p[n].want = want;
	return n + 1;
}

static void test_docker_kernel(json_object *root, const struct moat_cbpf_insn *v, size_t nv)
{
	struct probe *p = mmap(NULL, MAX_PROBES * sizeof(*p), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t n = 0, named = 0;
	int max = moat_syscall_max();
	uint64_t zero[6] = { 0 };
	/* every number of the table, the holes and past the end, with zero arguments */
	for (int nr = 0; nr <= max + 16; nr++) {
		/* Linux 6.13+ runs uretprobe (335) and 6.16+ uprobe (336) past every seccomp
		 * filter (they only work from the kernel's trampolines, else SIGILL): no
		 * filter decides them, so they are not probed. */
		if (nr == 335 || nr == 336)
			continue;
		const char *name = moat_syscall_name(nr);
		uint32_t want = name ? dref_eval(root, name, zero)
			       : nr > max ? MOAT_SECCOMP_ERRNO(ENOSYS)
					  : dref_action(root, "defaultAction", "defaultErrnoRet");
		n = add(p, n, nr, 0, 0, errno_of(want));
	}
	n = add(p, n, 0x3fffffff, 0, 0, ENOSYS);
	/* the syscalls with conditions, on both sides of each */
	size_t conditional = n;
	for (int nr = 0; nr <= max; nr++) {
		const char *name = moat_syscall_name(nr);
		uint64_t vals[64];
		size_t k = name ? dref_probe_values(root, name, vals, 64) : 0;
		int arg = name ? dref_probe_arg(root, name) : 0;
		for (size_t i = 1; i < k; i++) {
			uint64_t a[6] = { 0 };
			a[arg] = vals[i];
			n = add(p, n, nr, arg, vals[i], errno_of(dref_eval(root, name, a)));
			named++;
		}
	}
	p[n].nr = -1;
	int st = in_child(v, nv, run_probes, p);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == (MAGIC & 0xff), "child installed the filter, made %zu calls, exited (status %#x)", n, st);
	size_t bad = 0, allowed = 0, denied = 0, nosys = 0;
	for (size_t i = 0; i < n; i++) {
		allowed += p[i].got == MARKER;
		denied += p[i].got == EPERM;
		nosys += p[i].got == ENOSYS;
		if ((p[i].ret != -1 || p[i].got != p[i].want) && bad++ < 8)
			diag("syscall %d(arg=%#llx): ret %ld errno %d, want errno %d", p[i].nr,
			     (unsigned long long)(p[i].args[0] | p[i].args[1]), p[i].ret, p[i].got, p[i].want);
	}
	ok(!bad && allowed > 300 && denied > 40, "kernel: %zu calls as Docker's profile says (%zu allowed, %zu EPERM, "
	   "%zu ENOSYS), %zu mismatches", n, allowed, denied, nosys, bad);
	ok(n - conditional == named && named >= 20, "%zu of them probe argument conditions (socket, personality, clone)", named);
	bool clone3 = false, newer = true;
	for (size_t i = 0; i < n; i++) {
		if (p[i].nr == 435)
			clone3 = p[i].got == ENOSYS;
		if (p[i].nr > max)
			newer &= p[i].got == ENOSYS;
	}
	ok(clone3, "kernel: clone3 fails with ENOSYS");
	ok(newer, "kernel: numbers above the table fail with ENOSYS");
	munmap(p, MAX_PROBES * sizeof(*p));
}

static void call_x32(void *arg)
{
	(void)arg;
	syscall(0x40000000 | SYS_getpid);
}

static void call_i386(void *arg)
{
	(void)arg;
	long ret = 20; /* i386 getpid */
	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
}

static void call_ptrace(void *arg)
{
	(void)arg;
	syscall(SYS_ptrace, 0, 0, 0, 0);
}

static volatile sig_atomic_t *trapped;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	*trapped = si->si_syscall;
	syscall(SYS_exit_group, MAGIC); /* returning would need rt_sigreturn, which the filter denies */
}

static void call_mount(void *arg)
{
	(void)arg;
	syscall(SYS_mount, 0, 0, 0, 0, 0);
}

static void test_deaths(const struct moat_cbpf_insn *v, size_t nv)
{
	int st = in_child(v, nv, call_x32, NULL);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "kernel: an x32 call kills the process (status %#x)", st);
	st = in_child(v, nv, call_i386, NULL);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "kernel: an i386 call (int $0x80) kills the process (status %#x)", st);

	struct moat_error e;
	const char *text = "default errno EPERM\nkill ptrace\ntrap mount\nallow getpid\n";
	struct moat_seccomp_policy *p = moat_seccomp_parse(text, strlen(text), "kt", NULL, &e);
	size_t n = 0;
	struct moat_cbpf_insn *k = p ? variant(p, &n) : NULL;
	st = k ? in_child(k, n, call_ptrace, NULL) : -1;
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "kernel: 'kill ptrace' kills the process (status %#x)", st);
	trapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*trapped = -1;
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	struct sigaction old;
	sigaction(SIGSYS, &sa, &old);
	st = k ? in_child(k, n, call_mount, NULL) : -1;
	sigaction(SIGSYS, &old, NULL);
	ok(WIFEXITED(st) && *trapped == SYS_mount, "kernel: 'trap mount' raises SIGSYS for mount (si_syscall %d)", (int)*trapped);
	munmap((void *)trapped, 4096);
	free(k);
	moat_seccomp_policy_free(p);
}

int main(void)
{
	char path[4096], b[1200];
	struct moat_error e;
	struct moat_seccomp_policy *p = moat_seccomp_load(dref_path(path, sizeof(path)), NULL, &e);
	json_object *root = json_object_from_file(path);
	if (!ok(p && root, "Docker's default profile loads")) {
		diag("%s", moat_error_str(&e, b, sizeof(b)));
		return tap_done();
	}
	size_t nv = 0;
	struct moat_cbpf_insn *v = variant(p, &nv);
	ok(v != NULL, "variant with ALLOW as ERRNO(%d) compiles (%zu instructions)", MARKER, nv);
	if (v) {
		test_docker_kernel(root, v, nv);
		test_deaths(v, nv);
	}
	free(v);
	json_object_put(root);
	moat_seccomp_policy_free(p);
	return tap_done();
}
