/*
 * The auditor against the running kernel (root): BPF programs, maps and
 * links this test loads appear in the kernel inventory with their holder
 * (this process) or with none (pinned only), in moat_audit_run's report and
 * in `moat audit --json`; the task iterator lists this process and a child,
 * not a thread; objects vanish from the inventory once released.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <moat/audit.h>
#include <moat/kernel.h>
#include <moat/kernel_inventory.h>
#include <moat/moat.h>
#include <moat/builder.h>
#include "tap.h"

/* XDP: look up counter[0]; return XDP_PASS. */
static struct moat_prog *xdp_prog(struct moat_map *m)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_XDP);
	moat_builder_emit(b, MOAT_ST_MEM(MOAT_W, MOAT_R10, -4, 0));
	moat_builder_ld_map(b, MOAT_R1, m);
	moat_builder_emit(b, MOAT_MOV64_REG(MOAT_R2, MOAT_R10));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R2, -4));
	moat_builder_emit(b, MOAT_CALL_INSN(1)); /* map_lookup_elem */
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 2));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_prog *p = moat_builder_finish(b, "audit_xdp", NULL);
	moat_builder_free(b);
	return p;
}

static struct moat_prog *ret0(enum moat_prog_type type)
{
	struct moat_builder *b = moat_builder_new(type);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_prog *p = moat_builder_finish(b, "ret0", NULL);
	moat_builder_free(b);
	return p;
}

static const struct moat_kobj *find(const struct moat_kinv *inv, enum moat_kobj_kind k, uint32_t id)
{
	for (size_t i = 0; inv && i < inv->n; i++)
		if (inv->objs[i].kind == k && inv->objs[i].id == id)
			return &inv->objs[i];
	return NULL;
}

static const struct moat_kobj *find_name(const struct moat_kinv *inv, enum moat_kobj_kind k, const char *name)
{
	for (size_t i = 0; inv && i < inv->n; i++)
		if (inv->objs[i].kind == k && !strcmp(inv->objs[i].name, name))
			return &inv->objs[i];
	return NULL;
}

static bool held_by_me(const struct moat_kobj *o)
{
	for (size_t i = 0; o && i < o->nowners; i++)
		if (o->owners[i].pid == getpid())
			return true;
	return false;
}

/* Whether an object is gone from the kernel, waiting up to 2 s (release is RCU-deferred). */
static bool gone(enum moat_kobj_kind k, uint32_t id)
{
	for (int i = 0; i < 200; i++) {
		struct moat_kinv *inv = moat_kinv_collect(NULL);
		bool there = find(inv, k, id) != NULL;
		moat_kinv_free(inv);
		if (!there)
			return true;
		usleep(10000);
	}
	return false;
}

static bool cli_report_has(const char *needle1, const char *needle2)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' audit --json --fail-on never", getenv("MOAT"));
	FILE *p = popen(cmd, "r");
	if (!p)
		return false;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	int st = pclose(p);
	return st == 0 && strstr(buf, needle1) && strstr(buf, needle2);
}

static void test_owned_objects(void)
{
	struct moat_error err;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = 1, .name = "audit_cnt");
	struct moat_map *m = moat_map_new(&d, &err);
	struct moat_prog *px = xdp_prog(m), *pr = ret0(MOAT_PROG_RAW_TRACEPOINT);
	MOAT_OPTS(moat_kernel_load_opts, ox, .name = "moat_audit_xdp");
	MOAT_OPTS(moat_kernel_load_opts, orr, .name = "moat_audit_rtp");
	struct moat_kprog *kx = moat_kernel_load(px, &ox, &err);
	if (!ok(kx != NULL, "XDP program loads"))
		diag("%s", err.msg);
	struct moat_kprog *kr = moat_kernel_load(pr, &orr, &err);
	if (!ok(kr != NULL, "raw tracepoint program loads"))
		diag("%s", err.msg);
	int link = kr ? bpf_raw_tracepoint_open("sched_switch", moat_kprog_fd(kr)) : -1;
	ok(link >= 0, "raw tracepoint attached (a link)");
	struct moat_kinv *inv = moat_kinv_collect(&err);
	if (!ok(inv != NULL, "inventory collected"))
		diag("%s", err.msg);
	const struct moat_kobj *o = kx ? find(inv, MOAT_KOBJ_PROG, moat_kprog_id(kx)) : NULL;
	ok(o && !strcmp(o->type, "xdp") && !strcmp(o->name, "moat_audit_xdp"), "the XDP program by id, type and name");
	ok(held_by_me(o), "its holder is this process");
	ok(o && strstr(o->attach, "tag ") && strstr(o->attach, " maps "), "tag and map ids: %s", o ? o->attach : "");
	ok(o && o->nksyms == 1 && o->ksyms[0] != 0, "its JIT-compiled address");
	const struct moat_kobj *mo = find_name(inv, MOAT_KOBJ_MAP, "audit_cnt");
	ok(mo && !strcmp(mo->type, "array") && strstr(mo->attach, "key 4 value 8 max_entries 1"), "its map");
	ok(held_by_me(mo), "the map's holder is this process");
	const struct moat_kobj *r = kr ? find(inv, MOAT_KOBJ_PROG, moat_kprog_id(kr)) : NULL;
	ok(r && !strcmp(r->type, "raw_tracepoint"), "the raw tracepoint program");
	const struct moat_kobj *l = NULL;
	for (size_t i = 0; inv && i < inv->n; i++)
		if (inv->objs[i].kind == MOAT_KOBJ_LINK && kr && inv->objs[i].prog_id == moat_kprog_id(kr))
			l = &inv->objs[i];
	ok(l && strstr(l->attach, "raw tracepoint sched_switch"), "its link and attach point: %s", l ? l->attach : "");
	ok(held_by_me(l), "the link's holder is this process");
	moat_kinv_free(inv);

	struct moat_audit_report *rep = moat_audit_run(NULL, &err);
	const struct moat_audit_check *c = moat_audit_find(rep, "bpf.programs");
	bool listed = false;
	for (size_t i = 0; c && i < c->nitems; i++)
		listed |= strstr(c->items[i], "'moat_audit_rtp'") != NULL;
	ok(c && c->verdict == MOAT_AUDIT_WARN && listed, "the audit lists the tracing program as a warning");
	c = moat_audit_find(rep, "hiding.bpf_programs");
	ok(c && c->verdict == MOAT_AUDIT_OK, "every JIT-compiled program in kallsyms is listed by bpf(2): %s",
	   c ? c->evidence : "");
	moat_audit_report_free(rep);
	char me[64];
	snprintf(me, sizeof(me), "held by %d (", getpid());
	ok(cli_report_has("'moat_audit_xdp'", me), "moat audit --json names the program and this process");

	uint32_t xid = kx ? moat_kprog_id(kx) : 0, rid = kr ? moat_kprog_id(kr) : 0;
	if (link >= 0)
		close(link);
	moat_kprog_free(kx);
	moat_kprog_free(kr);
	ok(gone(MOAT_KOBJ_PROG, xid) && gone(MOAT_KOBJ_PROG, rid), "released programs leave the inventory");
	moat_prog_free(px);
	moat_prog_free(pr);
	moat_map_free(m);
}

/*
 * A program pinned in a BPF filesystem and closed by its loader: no process
 * holds it, the way a loader that exits leaves an attached rootkit.  The
 * filesystem lives in this test's own mount namespace on a temporary
 * directory, so nothing outlives the test.
 */
static void test_pinned(void)
{
	char dir[] = "/tmp/moat-audit-bpffs-XXXXXX", pin[128];
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    !mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL) < 0) {
		ok(0, "private bpffs: %s", strerror(errno));
		return;
	}
	snprintf(pin, sizeof(pin), "%s/p", dir);
	struct moat_prog *p = ret0(MOAT_PROG_SOCKET_FILTER);
	MOAT_OPTS(moat_kernel_load_opts, o, .name = "moat_audit_pin");
	struct moat_error err;
	struct moat_kprog *k = moat_kernel_load(p, &o, &err);
	uint32_t id = k ? moat_kprog_id(k) : 0;
	ok(k && bpf_obj_pin(moat_kprog_fd(k), pin) == 0, "program pinned");
	moat_kprog_free(k);
	struct moat_kinv *inv = moat_kinv_collect(&err);
	const struct moat_kobj *obj = find(inv, MOAT_KOBJ_PROG, id);
	ok(obj && obj->nowners == 0 && obj->all_owners == 0, "a pinned program no process holds has no owner");
	moat_kinv_free(inv);
	unlink(pin);
	umount(dir);
	rmdir(dir);
	ok(gone(MOAT_KOBJ_PROG, id), "unpinned, it is gone");
	moat_prog_free(p);
}

static volatile pid_t thread_tid;

static void *idle(void *arg)
{
	thread_tid = (pid_t)syscall(SYS_gettid);
	pause();
	return arg;
}

static void test_tasks(void)
{
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	pthread_t th;
	pthread_create(&th, NULL, idle, NULL);
	for (int i = 0; i < 200 && !thread_tid; i++)
		usleep(5000);
	int *tg = NULL;
	size_t n = 0;
	struct moat_error err;
	int r = moat_ktasks_list(&tg, &n, &err);
	if (!ok(r == 0 && n > 2, "the task iterator lists %zu tasks", n))
		diag("%s", err.msg);
	bool me = false, kid = false, thread = false, sorted = true;
	for (size_t i = 0; i < n; i++) {
		me |= tg[i] == getpid();
		kid |= tg[i] == child;
		thread |= tg[i] == thread_tid;
		sorted &= i == 0 || tg[i - 1] < tg[i];
	}
	ok(me && kid && sorted, "it holds this process and its child, sorted");
	ok(thread_tid && !thread, "a thread (tid %d) is not listed: leaders only, as /proc lists them",
	   (int)thread_tid);
	free(tg);
	pthread_cancel(th);
	pthread_join(th, NULL);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

int main(void)
{
	if (geteuid() != 0) {
		skip("the kernel's BPF inventory needs root");
		return tap_done();
	}
	test_owned_objects();
	test_tasks();
	test_pinned();
	return tap_done();
}
