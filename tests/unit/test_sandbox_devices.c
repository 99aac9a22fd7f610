/* The device allowlist as a cgroup-device BPF program: its decisions in moat's
 * VM, the kernel's acceptance, and (as root, on a host with a cgroup v2
 * hierarchy) its enforcement on a process in a v2 cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <moat/kernel.h>
#include <moat/moat.h>
#include "sandbox/sandbox_internal.h"
#include "tap.h"
#include "testenv.h"

enum { BLK = 1, CHR = 2, MKNOD = 1, READ = 2, WRITE = 4 };

static uint64_t decide(struct moat_exec *x, uint32_t type, uint32_t acc, uint32_t major, uint32_t minor)
{
	uint32_t ctx[3] = { acc << 16 | type, major, minor };
	uint64_t r = 99;
	struct moat_error e;
	if (moat_exec_run(x, ctx, sizeof(ctx), &r, &e) < 0)
		diag("run: %s", e.msg);
	return r;
}

static void test_vm(void)
{
	struct moat_error e;
	struct moat_device_rule extra = { "/dev/fuse", 'c', 10, 229, MOAT_DEV_READ };
	struct moat_device_rule rules[16];
	size_t n = 0;
	for (size_t i = 0; i < sbx_n_default_devices; i++)
		rules[n++] = sbx_default_devices[i];
	rules[n++] = extra;
	struct moat_prog *p = moat_devices_prog(rules, n, &e);
	ok(p != NULL, "the default allowlist plus one rule compiles and verifies");
	if (!p) {
		diag("%s", e.msg);
		return;
	}
	struct moat_vm *vm = moat_vm_new(NULL, &e);
	struct moat_exec *x = moat_exec_new(vm, p, NULL, &e);
	ok(x != NULL, "it runs in moat's VM");
	if (x) {
		is_u64(decide(x, CHR, READ | WRITE, 1, 3), 1, "c 1:3 rw (null) allowed");
		is_u64(decide(x, CHR, MKNOD, 1, 3), 0, "c 1:3 m (mknod of null) denied");
		is_u64(decide(x, CHR, READ, 1, 9), 1, "c 1:9 r (urandom) allowed");
		is_u64(decide(x, CHR, READ, 1, 1), 0, "c 1:1 (mem) denied");
		is_u64(decide(x, BLK, READ, 1, 3), 0, "b 1:3 (a block device with null's numbers) denied");
		is_u64(decide(x, BLK, MKNOD, 8, 0), 0, "mknod of b 8:0 (sda) denied");
		is_u64(decide(x, CHR, READ | WRITE, 136, 7), 1, "c 136:7 (any pts) allowed");
		is_u64(decide(x, CHR, READ | WRITE, 5, 2), 1, "c 5:2 (ptmx) allowed");
		is_u64(decide(x, CHR, READ, 10, 229), 1, "c 10:229 r (the extra rule) allowed");
		is_u64(decide(x, CHR, WRITE, 10, 229), 0, "c 10:229 w (not in the rule) denied");
		is_u64(decide(x, CHR, READ, 10, 228), 0, "c 10:228 denied");
	}
	moat_exec_free(x);
	moat_vm_free(vm);
	struct moat_prog *none = moat_devices_prog(NULL, 0, &e);
	ok(none != NULL, "an empty allowlist compiles (denies everything)");
	moat_prog_free(none);
	if (geteuid() != 0) {
		skip("loading into the kernel needs root");
	} else {
		struct moat_kprog *kp = moat_kernel_load(p, NULL, &e);
		ok(kp != NULL, "the kernel accepts the program");
		if (!kp)
			diag("%s", e.msg);
		moat_kprog_free(kp);
	}
	moat_prog_free(p);
}

static void test_enforced(void)
{
	const char *mnt = test_cgroup2_mount();
	if (geteuid() != 0 || !mnt) {
		skip("needs root and a cgroup v2 hierarchy");
		return;
	}
	char dir[256], procs[300];
	snprintf(dir, sizeof(dir), "%s/moat-tdev-%d", mnt, getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	ok(mkdir(dir, 0755) == 0, "a v2 cgroup for the test");
	struct moat_sandbox_spec s;
	moat_sandbox_spec_init(&s);
	struct moat_error e;
	int r = sbx_devices_v2(dir, &s, &e);
	ok(r == 0, "the default allowlist is attached to it");
	if (r < 0)
		diag("%s", e.msg);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(10);
		close(fd);
		if ((fd = open("/dev/null", O_RDWR)) < 0)
			_exit(11);
		close(fd);
		if (open("/dev/fuse", O_RDONLY) >= 0 || errno != EPERM)
			_exit(12);
		_exit(0);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "in the cgroup /dev/null opens and /dev/fuse (not allowed) is EPERM (status %d)",
	   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	ok(sbx_cgroup_remove_dir(dir) == 0, "the cgroup (and its program) is removed");
}

int main(void)
{
	test_vm();
	test_enforced();
	return tap_done();
}
