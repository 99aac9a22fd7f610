/*
 * The seccomp compiler: syscall table, text and JSON parsers (and their
 * error positions), the compiled program against the policy's plain
 * definition in moat's VM (Docker's profile against an independent json-c
 * reading of it, random policies exhaustively at their boundaries), size
 * and path targets, printing round trips.
 */
#include <linux/filter.h>
#include <time.h>

#include "tap.h"
#include "test_seccomp_docker.h"

/* A compiled program made executable once, run many times. */
struct runner {
	struct moat_vm *vm;
	struct moat_prog *prog;
	struct moat_exec *ex;
};

static bool runner_init(struct runner *r, const struct moat_cbpf_insn *p, size_t n)
{
	struct moat_error e;
	char buf[1200];
	r->vm = moat_vm_new(NULL, &e);
	r->prog = r->vm ? moat_cbpf_to_ebpf(p, n, MOAT_PROG_SECCOMP, &e) : NULL;
	r->ex = r->prog ? moat_exec_new(r->vm, r->prog, NULL, &e) : NULL;
	if (!r->ex)
		diag("runner: %s", moat_error_str(&e, buf, sizeof(buf)));
	return r->ex != NULL;
}

static uint32_t runner_run(struct runner *r, const struct moat_seccomp_data *d)
{
	struct moat_seccomp_data c = *d;
	uint64_t r0 = 0xdeadbeef;
	if (!r->ex || moat_exec_run(r->ex, &c, sizeof(c), &r0, NULL) < 0)
		return 0xdeadbeef;
	return (uint32_t)r0;
}

static void runner_release(struct runner *r)
{
	moat_exec_free(r->ex);
	moat_prog_free(r->prog);
	moat_vm_free(r->vm);
}

static struct moat_seccomp_policy *parse(const char *text, struct moat_error *e)
{
	return moat_seccomp_parse(text, strlen(text), "t.profile", NULL, e);
}

static void test_syscalls(void)
{
	size_t n;
	const struct moat_syscall *t = moat_syscall_table(&n);
	is_int(moat_syscall_number("read"), 0, "read is 0");
	is_int(moat_syscall_number("openat"), 257, "openat is 257");
	is_int(moat_syscall_number("clone3"), 435, "clone3 is 435");
	is_int(moat_syscall_number("no_such_call"), -1, "unknown name is -1");
	is_str(moat_syscall_name(59), "execve", "59 is execve");
	ok(moat_syscall_name(-1) == NULL && moat_syscall_name(400) == NULL &&
		   moat_syscall_name(moat_syscall_max() + 1) == NULL, "holes and out-of-range numbers are unknown");
	bool round = n > 300;
	for (size_t i = 0; i < n; i++)
		round &= moat_syscall_number(t[i].name) == t[i].nr && !strcmp(moat_syscall_name(t[i].nr), t[i].name) &&
			 (i == 0 || t[i - 1].nr < t[i].nr);
	ok(round, "all %zu table entries map name <-> number, sorted by number", n);
	is_int(moat_syscall_max(), t[n - 1].nr, "max is the last entry");
}

static void test_text(void)
{
	struct moat_error e;
	char b[1200];
	struct moat_seccomp_policy *p = parse("# demo\n"
					      "default errno EPERM\n"
					      "allow read write close exit_group\n"
					      "allow personality if arg0 == 0x0 || arg0 == 0x8\n"
					      "errno ENOSYS clone3\n"
					      "kill ptrace\n"
					      "trap mount\n"
					      "log getpid\n"
					      "allow socket if arg0 != 40     # AF_VSOCK\n"
					      "allow mmap if arg2 & 0x4 == 0 && arg3 <= 0x22\n", &e);
	if (!ok(p != NULL, "demo profile parses"))
		diag("%s", moat_error_str(&e, b, sizeof(b)));
	if (!p)
		return;
	struct moat_seccomp_data d = { .arch = MOAT_SECCOMP_ARCH_X86_64 };
	struct { int nr; uint64_t a0, a2, a3; uint32_t want; const char *what; } cases[] = {
		{ 0, 0, 0, 0, MOAT_SECCOMP_ALLOW, "read allowed" },
		{ 2, 0, 0, 0, MOAT_SECCOMP_ERRNO(EPERM), "open gets the default" },
		{ 135, 8, 0, 0, MOAT_SECCOMP_ALLOW, "personality(8) allowed" },
		{ 135, 9, 0, 0, MOAT_SECCOMP_ERRNO(EPERM), "personality(9) denied" },
		{ 435, 0, 0, 0, MOAT_SECCOMP_ERRNO(ENOSYS), "clone3 ENOSYS" },
		{ 101, 0, 0, 0, MOAT_SECCOMP_KILL_PROCESS, "ptrace kills" },
		{ 165, 0, 0, 0, MOAT_SECCOMP_TRAP, "mount traps" },
		{ 39, 0, 0, 0, MOAT_SECCOMP_LOG, "getpid logs" },
		{ 41, 40, 0, 0, MOAT_SECCOMP_ERRNO(EPERM), "socket(AF_VSOCK) denied" },
		{ 41, 2, 0, 0, MOAT_SECCOMP_ALLOW, "socket(AF_INET) allowed" },
		{ 9, 0, 3, 0x22, MOAT_SECCOMP_ALLOW, "mmap without PROT_EXEC, flags <= 0x22 allowed" },
		{ 9, 0, 7, 0x22, MOAT_SECCOMP_ERRNO(EPERM), "mmap with PROT_EXEC denied" },
		{ 9, 0, 3, 0x23, MOAT_SECCOMP_ERRNO(EPERM), "mmap with flags 0x23 denied" },
	};
	struct moat_cbpf_insn *prog = NULL;
	size_t n = 0;
	struct runner r = { 0 };
	ok(moat_seccomp_compile(p, NULL, &prog, &n, NULL, &e) == 0 && runner_init(&r, prog, n),
	   "demo profile compiles and verifies");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d.nr = cases[i].nr;
		d.args[0] = cases[i].a0, d.args[2] = cases[i].a2, d.args[3] = cases[i].a3;
		uint32_t vm = runner_run(&r, &d), ref = moat_seccomp_policy_eval(p, &d);
		ok(vm == cases[i].want && ref == cases[i].want, "%s (vm 0x%x, rules 0x%x)", cases[i].what, vm, ref);
	}
	runner_release(&r);
	free(prog);
	moat_seccomp_policy_free(p);
}

/* Each bad profile: its error text exactly, position included. */
static void test_errors(void)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "allow read\n", "t.profile:1:1: no 'default' line: say what happens to the syscalls no rule names (e.g. 'default errno EPERM')" },
		{ "default errno EPERM\nallow raed\n", "t.profile:2:7: unknown syscall 'raed' (x86-64 names, as in man 2)" },
		{ "default errno EPERM\nalow read\n", "t.profile:2:1: unknown action 'alow' (allow, errno, kill, kill-thread, trap, log, trace)" },
		{ "default errno EPREM\n", "t.profile:1:9: 'errno' needs an errno (a number up to 4095 or a name like EPERM), not 'EPREM'" },
		{ "default allow\ndefault kill\n", "t.profile:2:1: second 'default' line" },
		{ "default kill\nallow socket if arg6 == 1\n", "t.profile:2:17: expected arg0 .. arg5, got 'arg6'" },
		{ "default kill\nallow socket if arg0 =< 1\n", "t.profile:2:22: expected a comparison (== != < <= > >= &), got '=<'" },
		{ "default kill\nallow socket if arg0 == x1\n", "t.profile:2:25: expected a number, got 'x1'" },
		{ "default kill\nallow socket if arg0 == 1 ||\n", "t.profile:2:29: expected arg0 .. arg5" },
		{ "default kill\nallow read\nkill read\n", "t.profile:3:6: read: 'kill' here conflicts with 'allow' at line 2, which already decides these calls" },
		{ "default kill\nallow read;\n", "t.profile:2:11: unexpected character ';'" },
		{ "default kill\nallow clone if arg0 & 0xff == 0x100\n", "t.profile:2:31: value '0x100' has bits outside the mask: never equal" },
		{ "default kill\nallow\n", "t.profile:2:6: expected syscall names after the action" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALOW\"}]}",
		  "t.profile:2:45: unknown action \"SCMP_ACT_ALOW\" (SCMP_ACT_ALLOW, _ERRNO, _KILL, _KILL_PROCESS, _TRAP, _TRACE, _LOG)" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n    {\"names\": [\"read\"] \"action\": 1}]}",
		  "t.profile:3:24: unexpected '\"', expected ',' or '}'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		  "  \"args\": [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "t.profile:2:22: \"index\" must be 0 to 5, not 7" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}", "t.profile:1:49: \"syscalls\" must be an array, not an object" },
		{ "{\"syscalls\": []}", "t.profile:1:1: the profile has no \"defaultAction\"" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\"x\" ", "t.profile:1:54: unexpected end of input, expected ',' or ']'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct moat_error e;
		char b[1200];
		struct moat_seccomp_policy *p = parse(cases[i].text, &e);
		is_str(p ? "(parsed)" : moat_error_str(&e, b, sizeof(b)), cases[i].want, "error %zu: %.40s", i,
		       cases[i].want + 10);
		moat_seccomp_policy_free(p);
	}
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * Docker's default profile: the size and path targets, and every syscall
 * it names, with arguments on both sides of each condition, getting in the
 * VM what the independent json-c reading says.
 */
static void test_docker(void)
{
	char path[4096], b[1200];
	struct moat_error e;
	struct moat_seccomp_policy *p = moat_seccomp_load(dref_path(path, sizeof(path)), NULL, &e);
	json_object *root = json_object_from_file(path);
	if (!ok(p && root, "Docker's default profile loads (moat and json-c)")) {
		diag("%s", moat_error_str(&e, b, sizeof(b)));
		return;
	}
	struct moat_cbpf_insn *prog = NULL;
	size_t n = 0;
	struct moat_seccomp_stats st;
	double best = 1e9;
	for (int k = 0; k < 20; k++) {
		free(prog);
		double t0 = now_us();
		int r = moat_seccomp_compile(p, NULL, &prog, &n, &st, &e);
		double dt = now_us() - t0;
		best = dt < best ? dt : best;
		if (r < 0)
			break;
	}
	ok(st.insns <= 106, "Docker profile: %zu instructions (target <= 106, kafel 106, libseccomp 337)", st.insns);
	ok(st.worst_path <= 23, "Docker profile: worst path %zu (target <= 23, libseccomp tree 23)", st.worst_path);
	is_u64(st.worst_path, moat_seccomp_worst_path(prog, n), "stats agree with moat_seccomp_worst_path");
#if defined(__SANITIZE_ADDRESS__)
	ok(best < 20000, "compiled in %.0f us (sanitizer build; the release build is timed by bench/seccomp)", best);
#else
	ok(best < 1000, "compiled in %.0f us, verification included (target < 1 ms)", best);
#endif
	struct runner r;
	runner_init(&r, prog, n);
	json_object *sys;
	json_object_object_get_ex(root, "syscalls", &sys);
	size_t names = 0, runs = 0, bad = 0, unknown = 0;
	for (size_t i = 0; i < json_object_array_length(sys); i++) {
		json_object *list;
		json_object_object_get_ex(json_object_array_get_idx(sys, i), "names", &list);
		for (size_t k = 0; k < json_object_array_length(list); k++) {
			const char *name = json_object_get_string(json_object_array_get_idx(list, k));
			int nr = moat_syscall_number(name);
			if (nr < 0) {
				unknown++;
				continue;
			}
			names++;
			uint64_t vals[64];
			size_t nv = dref_probe_values(root, name, vals, 64);
			int arg = dref_probe_arg(root, name);
			for (size_t v = 0; v < nv; v++) {
				struct moat_seccomp_data d = { .nr = nr, .arch = MOAT_SECCOMP_ARCH_X86_64 };
				d.args[arg] = vals[v];
				uint32_t want = dref_eval(root, name, d.args), got = runner_run(&r, &d);
				runs++;
				if (got != want && bad++ < 5)
					diag("%s(arg%d=%#llx): got 0x%x, Docker says 0x%x", name, arg,
					     (unsigned long long)vals[v], got, want);
			}
		}
	}
	ok(!bad && names > 300, "every one of %zu syscall names in the profile gets Docker's action in the VM "
	   "(%zu calls, %zu mismatches)", names, runs, bad);
	diag("%zu names of other architectures or newer kernels are not in moat's table", unknown);

	struct moat_seccomp_data d = { .arch = MOAT_SECCOMP_ARCH_X86_64 };
	d.nr = moat_syscall_number("clone3");
	is_u64(runner_run(&r, &d), MOAT_SECCOMP_ERRNO(ENOSYS), "clone3 gets ENOSYS (libc falls back to clone)");
	bool newer = true;
	for (int nr = moat_syscall_max() + 1; nr < moat_syscall_max() + 64; nr++) {
		d.nr = nr;
		newer &= runner_run(&r, &d) == MOAT_SECCOMP_ERRNO(ENOSYS);
	}
	d.nr = 0x3fffffff;
	newer &= runner_run(&r, &d) == MOAT_SECCOMP_ERRNO(ENOSYS);
	ok(newer, "numbers above the table (newer syscalls) get ENOSYS, not EPERM");
	d.nr = 0x40000000 | 0;
	is_u64(runner_run(&r, &d), MOAT_SECCOMP_KILL_PROCESS, "x32 read (0x40000000) kills");
	d.nr = -1;
	is_u64(runner_run(&r, &d), MOAT_SECCOMP_KILL_PROCESS, "nr -1 kills");
	d.nr = 0;
	d.arch = 0x40000003; /* AUDIT_ARCH_I386 */
	is_u64(runner_run(&r, &d), MOAT_SECCOMP_KILL_PROCESS, "i386 calls kill");
	d.arch = MOAT_SECCOMP_ARCH_X86_64;
	size_t agree = 0, total = 0;
	for (int nr = 0; nr <= moat_syscall_max() + 4; nr++, total++) {
		d.nr = nr;
		agree += runner_run(&r, &d) == moat_seccomp_policy_eval(p, &d);
	}
	is_u64(agree, total, "all numbers 0..max+4: VM agrees with the policy's definition");
	runner_release(&r);
	free(prog);
	json_object_put(root);
	moat_seccomp_policy_free(p);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A value near the interesting points of 64-bit comparisons. */
static uint64_t rnd_value(void)
{
	static const uint64_t pts[] = { 0, 1, 2, 0xff, 0xffffffff, 0x100000000ull, 0x100000001ull,
					0x7fffffffffffffffull, ~0ull, 0xfffffffe, 0x80000000 };
	uint64_t base = pts[rnd() % (sizeof(pts) / sizeof(pts[0]))];
	return rnd() % 4 == 0 ? rnd() : base + (rnd() % 3) - 1;
}

/*
 * Random policies (a few syscalls, rules with 1-3 comparisons of any
 * operator, any action) compiled and run on data at and around every
 * constant they use: the VM must agree with the rules' definition.
 */
static void test_random(void)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	static const char *const acts[] = { "allow", "errno 5", "kill", "trap", "log", "errno 1" };
	static const char *const names[] = { "read", "socket", "clone", "mmap", "ioctl", "openat", "exit_group" };
	size_t policies = 0, runs = 0, bad = 0, failed = 0;
	const char *seed = getenv("MOAT_SECCOMP_SEED"); /* to explore; fixed by default */
	if (seed)
		rnd_state = strtoull(seed, NULL, 0) | 1;
	for (int it = 0; it < 400; it++) {
		char text[4096];
		int len = snprintf(text, sizeof(text), "default %s\n", acts[rnd() % 6]);
		uint64_t consts[64];
		size_t nc = 0;
		int nrules = 1 + (int)(rnd() % 8);
		for (int k = 0; k < nrules; k++) {
			len += snprintf(text + len, sizeof(text) - (size_t)len, "%s %s if ", acts[rnd() % 6], names[rnd() % 7]);
			int ncmp = 1 + (int)(rnd() % 3);
			for (int c = 0; c < ncmp; c++) {
				uint64_t v = rnd_value();
				int arg = (int)(rnd() % 3);
				consts[nc++ % 64] = v;
				if (rnd() % 5 == 0) {
					uint64_t m = rnd_value() | v;
					consts[nc++ % 64] = m;
					len += snprintf(text + len, sizeof(text) - (size_t)len, "%sarg%d & %#llx == %#llx",
							c ? " && " : "", arg, (unsigned long long)m, (unsigned long long)v);
				} else {
					len += snprintf(text + len, sizeof(text) - (size_t)len, "%sarg%d %s %#llx",
							c ? (rnd() % 3 ? " && " : " || ") : "", arg, ops[rnd() % 6],
							(unsigned long long)v);
				}
			}
			len += snprintf(text + len, sizeof(text) - (size_t)len, "\n");
		}
		struct moat_error e;
		struct moat_seccomp_policy *p = parse(text, &e);
		if (!p)
			continue; /* a conflict between random rules */
		policies++;
		struct moat_cbpf_insn *prog = NULL;
		size_t n = 0;
		struct runner r = { 0 };
		if (moat_seccomp_compile(p, NULL, &prog, &n, NULL, &e) < 0 || !runner_init(&r, prog, n)) {
			if (failed++ < 3)
				diag("compile failed: %s\n%s", e.msg, text);
		}
		for (int t = 0; t < 200 && r.ex; t++) {
			struct moat_seccomp_data d = { .arch = MOAT_SECCOMP_ARCH_X86_64 };
			d.nr = moat_syscall_number(names[rnd() % 7]);
			for (int a = 0; a < 3; a++) {
				uint64_t c = consts[rnd() % (nc < 64 ? nc : 64)];
				d.args[a] = rnd() % 4 == 0 ? rnd_value() : c + (rnd() % 3) - 1;
			}
			uint32_t got = runner_run(&r, &d), want = moat_seccomp_policy_eval(p, &d);
			runs++;
			if (got != want && bad++ < 3)
				diag("nr %d args %#llx %#llx %#llx: vm 0x%x, rules 0x%x\n%s", d.nr,
				     (unsigned long long)d.args[0], (unsigned long long)d.args[1],
				     (unsigned long long)d.args[2], got, want, text);
		}
		runner_release(&r);
		free(prog);
		moat_seccomp_policy_free(p);
	}
	ok(policies > 50 && !failed && !bad, "%zu random policies, %zu runs: VM == rules (%zu failed, %zu mismatches)",
	   policies, runs, failed, bad);
}

static bool same_prog(const struct moat_seccomp_policy *a, const struct moat_seccomp_policy *b)
{
	struct moat_cbpf_insn *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	bool same = a && b && moat_seccomp_compile(a, NULL, &x, &nx, NULL, NULL) == 0 &&
		    moat_seccomp_compile(b, NULL, &y, &ny, NULL, NULL) == 0 && nx == ny &&
		    !memcmp(x, y, nx * sizeof(*x));
	free(x);
	free(y);
	return same;
}

static void test_roundtrip(void)
{
	char path[4096];
	struct moat_error e;
	struct moat_seccomp_policy *json = moat_seccomp_load(dref_path(path, sizeof(path)), NULL, &e);
	struct moat_seccomp_policy *builtin = moat_seccomp_docker_default(&e);
	ok(same_prog(json, builtin), "the built-in profile compiles exactly as docker-default.json");
	char *t1 = json ? moat_seccomp_policy_text(json, &e) : NULL;
	struct moat_seccomp_policy *again = t1 ? parse(t1, &e) : NULL;
	char *t2 = again ? moat_seccomp_policy_text(again, &e) : NULL;
	ok(t1 && t2 && !strcmp(t1, t2), "text of the JSON profile parses back to the same text");
	ok(same_prog(json, again), "... and to the same program");
	struct moat_seccomp_policy *demo = parse("default kill\nallow read if arg0 == 1 || arg1 & 0xf0 == 0x10 && arg2 > 0x100000000\n"
						 "errno EACCES openat if arg2 != 5\nallow openat\n", &e);
	char *t3 = demo ? moat_seccomp_policy_text(demo, &e) : NULL;
	is_str(t3 ? t3 : "", "default kill\nallow read if arg0 == 1 || arg1 & 0xf0 == 0x10 && arg2 > 0x100000000\n"
			     "errno EACCES openat if arg2 != 5\nallow openat\n", "conditions print as written");
	free(t1);
	free(t2);
	free(t3);
	moat_seccomp_policy_free(json);
	moat_seccomp_policy_free(builtin);
	moat_seccomp_policy_free(again);
	moat_seccomp_policy_free(demo);
}

static void test_misc(void)
{
	struct moat_error e;
	struct moat_seccomp_policy *p = moat_seccomp_docker_default(&e);
	struct moat_cbpf_insn *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	MOAT_OPTS(moat_seccomp_compile_opts, o, .allow_as = MOAT_SECCOMP_ERRNO(3999));
	moat_seccomp_compile(p, NULL, &a, &na, NULL, &e);
	moat_seccomp_compile(p, &o, &b, &nb, NULL, &e);
	size_t diff = 0, allow_rets = 0;
	for (size_t i = 0; i < na && na == nb; i++) {
		diff += memcmp(&a[i], &b[i], sizeof(a[i])) != 0;
		allow_rets += a[i].code == (BPF_RET | BPF_K) && a[i].k == MOAT_SECCOMP_ALLOW &&
			      b[i].k == MOAT_SECCOMP_ERRNO(3999);
	}
	ok(na == nb && diff == 1 && allow_rets == 1, "allow_as changes only the ALLOW return");
	struct moat_cbpf_insn bad[] = { { BPF_LD | BPF_W | BPF_ABS, 0, 0, 2 }, { BPF_RET | BPF_K, 0, 0, 0 } };
	ok(moat_seccomp_verify(bad, 2, &e) < 0 && strstr(e.msg, "aligned"), "verify refuses an unaligned load: %s", e.msg);
	ok(moat_seccomp_install(bad, 2, 0, &e) < 0, "install refuses it too, before touching the kernel");
	char buf[64];
	is_str(moat_seccomp_action_str(MOAT_SECCOMP_ERRNO(38), buf, sizeof(buf)), "errno ENOSYS", "action names errnos");
	uint32_t act;
	ok(moat_seccomp_action_parse("errno 4095", &act, &e) == 0 && act == MOAT_SECCOMP_ERRNO(4095) &&
		   moat_seccomp_action_parse("errno 4096", &act, &e) < 0 &&
		   moat_seccomp_action_parse("trace 7", &act, &e) == 0 && act == MOAT_SECCOMP_TRACE(7),
	   "action data limits");
	free(a);
	free(b);
	moat_seccomp_policy_free(p);
}

int main(void)
{
	test_syscalls();
	test_text();
	test_errors();
	test_docker();
	test_random();
	test_roundtrip();
	test_misc();
	return tap_done();
}
