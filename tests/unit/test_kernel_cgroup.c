/* Cgroup attachment (root, cgroup v2): attach, query, enforce, detach, links, refusals. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <moat/moat.h>
#include "tap.h"
#include "testenv.h"

/* A program returning `verdict` (cgroup_device: 0 refuses the access). */
static struct moat_kprog *load(enum moat_prog_type type, int verdict)
{
	struct moat_builder *b = moat_builder_new(type);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, verdict));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_error err;
	struct moat_prog *p = moat_builder_finish(b, "cgtest", &err);
	moat_builder_free(b);
	struct moat_kprog *kp = p ? moat_kernel_load(p, NULL, &err) : NULL;
	if (!kp)
		diag("load: %s", err.msg);
	moat_prog_free(p);
	return kp;
}

/* 0 when a child in cgroup dir can open /dev/null, else the child's errno. */
static int open_null_in(const char *dir)
{
	char procs[300];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(200);
		close(fd);
		fd = open("/dev/null", O_RDONLY);
		_exit(fd < 0 ? errno : 0);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int attached(const char *dir, uint32_t *id)
{
	struct moat_error err;
	uint32_t ids[4] = { 0 };
	int n = moat_cgroup_query(dir, MOAT_CGROUP_DEVICE, ids, 4, &err);
	if (n < 0)
		diag("query: %s", err.msg);
	if (id)
		*id = ids[0];
	return n;
}

static void test_attach(const char *dir)
{
	struct moat_error err;
	struct moat_kprog *deny = load(MOAT_PROG_CGROUP_DEVICE, 0);
	ok(deny != NULL, "a deny-all device program loads");
	if (!deny)
		return;
	is_int(attached(dir, NULL), 0, "a new cgroup has no device program");
	ok(open_null_in(dir) == 0, "without it, /dev/null opens in the cgroup");
	ok(moat_cgroup_attach(moat_kprog_fd(deny), dir, MOAT_CGROUP_DEVICE, MOAT_CGROUP_EXCLUSIVE,
			      &err) == 0, "exclusive attach");
	uint32_t id = 0;
	is_int(attached(dir, &id), 1, "the query lists one program");
	is_u64(id, moat_kprog_id(deny), "it is the one attached");
	is_int(open_null_in(dir), EPERM, "with it, opening /dev/null in the cgroup is EPERM");

	struct moat_kprog *allow = load(MOAT_PROG_CGROUP_DEVICE, 1);
	int r = allow ? moat_cgroup_attach(moat_kprog_fd(allow), dir, MOAT_CGROUP_DEVICE,
					   MOAT_CGROUP_MULTI, &err) : 0;
	ok(r == -EPERM, "a multi attach beside an exclusive one is refused (%d)", r);
	ok(strstr(err.msg, dir) && strstr(err.msg, "device"), "the refusal names the cgroup and hook: %s",
	   err.msg);

	ok(moat_cgroup_detach(moat_kprog_fd(deny), dir, MOAT_CGROUP_DEVICE, &err) == 0, "detach");
	is_int(attached(dir, NULL), 0, "nothing is attached after detach");
	ok(open_null_in(dir) == 0, "and /dev/null opens again");
	r = moat_cgroup_detach(moat_kprog_fd(deny), dir, MOAT_CGROUP_DEVICE, &err);
	ok(r == -ENOENT, "detaching it twice is ENOENT (%d)", r);

	int link = moat_cgroup_link(moat_kprog_fd(deny), dir, MOAT_CGROUP_DEVICE, &err);
	ok(link >= 0, "link attach");
	is_int(attached(dir, NULL), 1, "the link's program is listed");
	is_int(open_null_in(dir), EPERM, "and enforced");
	if (link >= 0)
		close(link);
	is_int(attached(dir, NULL), 0, "closing the link detaches it");
	moat_kprog_free(allow);
	moat_kprog_free(deny);
}

static void test_refusals(const char *dir)
{
	struct moat_error err;
	struct moat_kprog *xdp = load(MOAT_PROG_XDP, 2);
	int fd = xdp ? moat_kprog_fd(xdp) : -1;
	int r = moat_cgroup_attach(fd, dir, MOAT_CGROUP_DEVICE, MOAT_CGROUP_MULTI, &err);
	ok(r == -EINVAL, "an xdp program at the device hook is EINVAL (%d: %s)", r, err.msg);
	r = moat_cgroup_attach(fd, "/nonexistent/moat-cg", MOAT_CGROUP_DEVICE, MOAT_CGROUP_MULTI, &err);
	ok(r == -ENOENT && strstr(err.msg, "/nonexistent/moat-cg"), "a missing cgroup: %s", err.msg);
	r = moat_cgroup_query("/", MOAT_CGROUP_DEVICE, NULL, 0, &err);
	ok(r < 0 && strstr(err.msg, "not a cgroup v2 directory"), "a plain directory: %s", err.msg);
	r = moat_cgroup_attach(fd, dir, (enum moat_cgroup_hook)99, MOAT_CGROUP_MULTI, &err);
	ok(r == -EINVAL, "an unknown hook is EINVAL");
	moat_kprog_free(xdp);
}

int main(void)
{
	const char *mnt = test_cgroup2_mount();
	if (geteuid() != 0 || !mnt) {
		skip("needs root and a cgroup v2 hierarchy");
		return tap_done();
	}
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/moat-tkcg-%d", mnt, getpid());
	ok(mkdir(dir, 0755) == 0, "a v2 cgroup for the test");
	test_attach(dir);
	test_refusals(dir);
	ok(rmdir(dir) == 0, "the cgroup is removed");
	return tap_done();
}
