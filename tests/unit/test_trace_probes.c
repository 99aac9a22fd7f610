/*
 * Unit tests for the tracer's probe programs (src/compile/probes), run in
 * moat's own VM with moat's maps, so their logic is checked without a
 * kernel: the scope filter, the enter/exit pairing, error counting, the
 * log2 histogram, and the event records; plus every configuration passes
 * moat's verifier with the kernel's rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <moat/moat.h>

#include "compile/probes/probes.h"
#include "tap.h"

typedef struct moat_prog *(*gen_fn)(const struct probe_cfg *, const struct probe_maps *,
				    struct moat_error *);

static void test_all_configs_verify(void)
{
	struct probe_maps m;
	struct moat_error e = { 0 };
	if (probe_maps_init(&m, true, &e) < 0) {
		ok(0, "maps: %s", e.msg);
		return;
	}
	static const gen_fn gens[] = { probe_sys_enter, probe_sys_exit, probe_fork, probe_exit,
				       probe_exec };
	int bad = 0, n = 0;
	for (int layout = 0; layout < 2; layout++)
		for (int cg = 0; cg < 2; cg++)
			for (uint32_t mask = 0; mask < 64; mask += 21)
				for (int g = 0; g < 5; g++) {
					struct probe_cfg c = { .layout = layout, .by_cgroup = cg,
							       .cgroup_id = 1234, .event_mask = mask,
							       .hist_nr = mask ? 0 : PROBE_NO_HIST,
							       .task_tgid_off = 1000,
							       .task_exit_code_off = 1100,
							       .tp_fork_child_pid_off = 44,
							       .sock_local = layout == 0,
							       .sk_num_off = 14 };
					struct moat_prog *p = gens[g](&c, &m, &e);
					MOAT_OPTS(moat_verify_opts, vo, .kernel_rules = true);
					if (!p || moat_verify(p, &vo, NULL, &e) < 0) {
						bad++;
						diag("config %d/%d/%u/%d: %s", layout, cg, mask, g, e.msg);
					}
					n++;
					moat_prog_free(p);
				}
	is_int(bad, 0, "all %d probe configurations pass moat's verifier with kernel rules", n);
	probe_maps_release(&m);
}

/* A probe in the VM: the interpreter runs it on a context buffer. */
struct vm_probe {
	struct moat_vm *vm;
	struct moat_prog *progs[3]; /* an exec borrows its program */
	struct moat_exec *enter, *exit, *task_exit;
};

static int vm_load(struct vm_probe *v, const struct probe_cfg *c, const struct probe_maps *m,
		   struct moat_error *e)
{
	v->vm = moat_vm_new(NULL, e);
	struct moat_prog *pe = probe_sys_enter(c, m, e), *px = probe_sys_exit(c, m, e);
	struct moat_prog *pt = probe_exit(c, m, e);
	MOAT_OPTS(moat_exec_opts, o, .mode = MOAT_EXEC_INTERP);
	if (v->vm && pe && px && pt) {
		v->enter = moat_exec_new(v->vm, pe, &o, e);
		v->exit = moat_exec_new(v->vm, px, &o, e);
		v->task_exit = moat_exec_new(v->vm, pt, &o, e);
	}
	v->progs[0] = pe;
	v->progs[1] = px;
	v->progs[2] = pt;
	return v->enter && v->exit && v->task_exit ? 0 : -1;
}

static void vm_free(struct vm_probe *v)
{
	moat_exec_free(v->enter);
	moat_exec_free(v->exit);
	moat_exec_free(v->task_exit);
	for (int i = 0; i < 3; i++)
		moat_prog_free(v->progs[i]);
	moat_vm_free(v->vm);
}

/* Runs a probe on a tracepoint-layout record: id at 8, args or ret at 16. */
static void fire(struct moat_exec *x, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t rec[32] = { 0 }, r0;
	struct moat_error e = { 0 };
	rec[1] = nr;
	rec[2] = a0;
	rec[3] = a1;
	rec[4] = a2;
	if (moat_exec_run(x, rec, sizeof(rec), &r0, &e) < 0)
		diag("run: %s", e.msg);
}

/* Tracks a tgid as moat does: pids[tgid] and its bit in the bitmap. */
static void track(const struct probe_maps *m, uint32_t tgid)
{
	uint32_t one = 1, word = tgid / 64;
	uint64_t bits = 0;
	moat_map_update(m->pids, &tgid, &one, MOAT_MAP_ANY, NULL);
	moat_map_lookup(m->bits, &word, &bits, NULL);
	bits |= 1ull << (tgid % 64);
	moat_map_update(m->bits, &word, &bits, MOAT_MAP_ANY, NULL);
}

static bool tracked_bit(const struct probe_maps *m, uint32_t tgid)
{
	uint32_t word = tgid / 64;
	uint64_t bits = 0;
	moat_map_lookup(m->bits, &word, &bits, NULL);
	return bits & (1ull << (tgid % 64));
}

static struct probe_stat stat_of(const struct probe_maps *m, uint32_t nr)
{
	struct probe_stat s = { 0 };
	moat_map_lookup(m->stats, &nr, &s, NULL);
	return s;
}

static void test_counts_in_vm(void)
{
	struct probe_maps m;
	struct moat_error e = { 0 };
	struct vm_probe v = { 0 };
	struct probe_cfg c = { .layout = PROBE_LAYOUT_TRACEPOINT, .hist_nr = SYS_getpid };
	uint32_t me = (uint32_t)getpid();
	if (probe_maps_init(&m, false, &e) < 0 || vm_load(&v, &c, &m, &e) < 0) {
		ok(0, "probes load in the VM: %s", e.msg);
		return;
	}
	fire(v.enter, SYS_getpid, 0, 0, 0);
	fire(v.exit, SYS_getpid, 7, 0, 0);
	is_u64(stat_of(&m, SYS_getpid).count, 0, "an untracked process is not counted");
	track(&m, me ^ 1); /* a neighbour in the same bitmap word is not me */
	fire(v.enter, SYS_getpid, 0, 0, 0);
	fire(v.exit, SYS_getpid, 7, 0, 0);
	is_u64(stat_of(&m, SYS_getpid).count, 0, "another tracked process's bit is not mine");
	track(&m, me);
	for (int i = 0; i < 3; i++) {
		fire(v.enter, SYS_getpid, 0, 0, 0);
		fire(v.exit, SYS_getpid, 7, 0, 0);
	}
	fire(v.enter, SYS_openat, 0, 0, 0);
	fire(v.exit, SYS_openat, (uint64_t)-ENOENT, 0, 0);
	fire(v.exit, SYS_openat, (uint64_t)-ENOENT, 0, 0); /* no enter: ignored */
	fire(v.enter, SYS_read, 0, 0, 0);
	fire(v.exit, SYS_read, (uint64_t)-5000, 0, 0); /* not an errno */
	fire(v.enter, SYS_exit_group, 0, 0, 0); /* never returns: counted at entry */
	is_u64(stat_of(&m, SYS_exit_group).count, 1, "exit_group is counted at its entry");
	is_u64(stat_of(&m, SYS_exit_group).total_ns, 0, "with no time, as strace -c");
	struct probe_stat g = stat_of(&m, SYS_getpid), o = stat_of(&m, SYS_openat);
	is_u64(g.count, 3, "3 getpid counted");
	is_u64(g.errors, 0, "getpid: no errors");
	ok(g.total_ns >= g.max_ns && g.max_ns > 0, "getpid: total >= max > 0");
	is_u64(o.count, 1, "one openat: an exit without its enter is not counted");
	is_u64(o.errors, 1, "openat -ENOENT is an error");
	is_u64(stat_of(&m, SYS_read).errors, 0, "-5000 is not an errno");
	uint64_t sum = 0, h;
	for (uint32_t k = 0; k < PROBE_HIST_SLOTS; k++)
		if (moat_map_lookup(m.hist, &k, &h, NULL) == 0)
			sum += h;
	is_u64(sum, 3, "the getpid histogram holds 3 samples");
	vm_free(&v);
	probe_maps_release(&m);
}

static int grab(void *arg, const void *data, size_t len)
{
	if (len == sizeof(struct probe_event))
		memcpy(arg, data, len);
	return 0;
}

static void test_events_in_vm(void)
{
	struct probe_maps m;
	struct moat_error e = { 0 };
	struct vm_probe v = { 0 };
	struct probe_cfg c = { .layout = PROBE_LAYOUT_TRACEPOINT, .hist_nr = PROBE_NO_HIST,
			       .event_mask = 1u << PROBE_EV_OPEN | 1u << PROBE_EV_EXIT };
	uint32_t me = (uint32_t)getpid(), one = 1;
	static const char path[] = "/etc/moat-probe-test";
	prctl(PR_SET_NAME, "probetest", 0, 0, 0);
	if (probe_maps_init(&m, true, &e) < 0 || vm_load(&v, &c, &m, &e) < 0) {
		ok(0, "event probes load in the VM: %s", e.msg);
		return;
	}
	track(&m, me);
	fire(v.enter, SYS_openat, (uint64_t)AT_FDCWD, (uintptr_t)path, O_RDONLY | O_CLOEXEC);
	fire(v.exit, SYS_openat, 3, 0, 0);
	struct probe_event ev = { 0 };
	is_int(moat_ringbuf_consume(m.events, grab, &ev, &e), 1, "one event record");
	is_u64(ev.kind, PROBE_EV_OPEN, "an open event");
	is_str(ev.str, path, "with the path read from user memory");
	is_u64(ev.args[2], O_RDONLY | O_CLOEXEC, "and the flags argument");
	is_int(ev.ret, 3, "and the return value");
	is_u64(ev.pid, me, "and the pid");
	is_str(ev.comm, "probetest", "and the command name");
	fire(v.enter, SYS_getpid, 0, 0, 0);
	fire(v.exit, SYS_getpid, 7, 0, 0);
	is_int(moat_ringbuf_consume(m.events, grab, &ev, &e), 0, "getpid makes no event");
	fire(v.task_exit, 0, 0, 0, 0);
	is_int(moat_ringbuf_consume(m.events, grab, &ev, &e), 1, "the leader's exit is an event");
	is_u64(ev.kind, PROBE_EV_EXIT, "an exit event");
	is_int(ev.ret, -1, "tracepoint layout: status unknown");
	is_int(moat_map_lookup(m.pids, &me, &one, NULL), -ENOENT, "the exited process left pids[]");
	ok(!tracked_bit(&m, me), "and its bit is clear");
	vm_free(&v);
	probe_maps_release(&m);
}

int main(void)
{
	test_all_configs_verify();
	test_counts_in_vm();
	test_events_in_vm();
	return tap_done();
}
