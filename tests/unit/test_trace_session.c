/*
 * Unit tests for src/trace: a session in the kernel (root) over a child
 * that makes known calls, whose programs and links are gone after
 * moat_trace_free(); the event decoder and the text/JSON writers.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <moat/moat.h>
#include <moat/trace.h>

#include "trace/trace_internal.h"
#include "util/sbuf.h"
#include "tap.h"

static void to_sbuf(void *arg, const char *text, size_t len)
{
	sbuf_put(arg, text, len);
}

/* A child that waits for a byte, then sleeps `n` x 1 ms and exits 0. */
static pid_t sleeper(int n, int *go)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char b;
		close(p[1]);
		if (read(p[0], &b, 1) == 1)
			for (int i = 0; i < n; i++) {
				struct timespec ts = { 0, 1000000 };
				syscall(SYS_nanosleep, &ts, NULL);
			}
		syscall(SYS_exit_group, 0);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

static bool prog_exists(uint32_t id)
{
	int fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static bool link_exists(int link_fd, uint32_t *id)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);
	if (*id == 0 && bpf_obj_get_info_by_fd(link_fd, &info, &len) == 0)
		*id = info.id;
	int fd = bpf_link_get_fd_by_id(*id);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static void test_session(void)
{
	int go;
	enum { N = 20 };
	pid_t child = sleeper(N, &go);
	MOAT_OPTS(moat_trace_opts, o, .pids = &child, .n_pids = 1, .hist_syscall = "nanosleep");
	struct moat_error e = { 0 };
	struct moat_trace *t = moat_trace_new(&o, &e);
	ok(t != NULL, "a session on a child: %s", t ? "ok" : e.msg);
	if (!t) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return;
	}
	uint32_t prog_ids[4] = { 0 }, link_ids[4] = { 0 };
	int loaded = 0, linked = 0;
	for (int i = 0; i < 4; i++) {
		if (!t->progs[i])
			continue;
		prog_ids[i] = moat_kprog_id(t->progs[i]);
		loaded += prog_exists(prog_ids[i]);
		linked += link_exists(t->links[i], &link_ids[i]);
	}
	is_int(loaded, 4, "four programs loaded (sys_enter, sys_exit, fork, exit)");
	is_int(linked, t->hook == MOAT_HOOK_TRACEPOINT ? 0 : 4, "each attached through a link");
	ok(!moat_trace_done(t), "the child is alive");
	if (write(go, "g", 1) != 1)
		diag("write: %s", strerror(errno));
	close(go);
	waitpid(child, NULL, 0);
	for (int i = 0; i < 100 && !moat_trace_done(t); i++)
		usleep(10000);
	ok(moat_trace_done(t), "done once the child has exited");
	struct moat_trace_summary s;
	is_int(moat_trace_summary_get(t, &s, &e), 0, "summary");
	uint64_t calls = 0, hist = 0, low = 0;
	for (size_t i = 0; i < s.n_rows; i++)
		if (!strcmp(s.rows[i].name, "nanosleep"))
			calls = s.rows[i].count;
	for (int k = 0; k < MOAT_TRACE_HIST_SLOTS; k++) {
		hist += s.hist[k];
		low += k < 20 ? s.hist[k] : 0; /* slot 20: [2^19, 2^20) ns, 0.52-1.05 ms */
	}
	is_u64(calls, N, "%d nanosleep calls", N);
	is_u64(hist, N, "%d histogram samples", N);
	is_u64(low, 0, "1 ms sleeps take at least 2^19 ns");
	moat_trace_summary_release(&s);
	moat_trace_free(t);
	/* the kernel releases links (and then their programs) in a work item
	 * after the last fd closes: give it a moment */
	int left = 0;
	for (int tries = 0; tries < 200; tries++) {
		left = 0;
		for (int i = 0; i < 4; i++)
			left += (prog_ids[i] && prog_exists(prog_ids[i])) +
				(link_ids[i] && link_exists(-1, &link_ids[i]));
		if (!left)
			break;
		usleep(10000);
	}
	is_int(left, 0, "no program or link left after moat_trace_free (by bpf(2) id)");
}

static void test_bad_input(void)
{
	struct moat_error e = { 0 };
	pid_t nobody = 0x3ffffff0;
	MOAT_OPTS(moat_trace_opts, o, .pids = &nobody, .n_pids = 1);
	ok(!moat_trace_new(&o, &e) && e.errnum == ESRCH, "unknown pid: ESRCH: %s", e.msg);
	MOAT_OPTS(moat_trace_opts, h, .hist_syscall = "getpidd");
	ok(!moat_trace_new(&h, &e) && e.errnum == EINVAL && strstr(e.msg, "'getpidd'"),
	   "unknown syscall named: %s", e.msg);
	MOAT_OPTS(moat_trace_opts, c, .cgroup = "/proc");
	ok(!moat_trace_new(&c, &e) && e.errnum == EINVAL, "not a cgroup: %s", e.msg);
}

static struct probe_event rec(enum probe_event_kind k, const char *sc, int64_t ret)
{
	struct probe_event r = { .ts_ns = 1, .tid = 11, .pid = 10, .kind = k, .ret = ret };
	r.nr = sc ? (uint32_t)moat_syscall_number(sc) : 0;
	strcpy(r.comm, "demo");
	return r;
}

static const char *decode(const struct probe_event *r, enum moat_trace_format fmt,
			  struct sbuf *b)
{
	struct moat_trace_event ev;
	struct moat_sink sink = { to_sbuf, b };
	trace_event_decode(r, &ev);
	sbuf_reset(b);
	if (fmt == MOAT_TRACE_JSON)
		moat_trace_event_write(&ev, fmt, &sink);
	else
		sbuf_printf(b, "%s", ev.detail);
	return sbuf_str(b);
}

static void test_decode(void)
{
	struct sbuf b = { 0 };
	struct probe_event r = rec(PROBE_EV_OPEN, "openat", 3);
	r.args[2] = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	strcpy(r.str, "/tmp/x");
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "\"/tmp/x\" O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC",
	       "open: path and flags");
	r = rec(PROBE_EV_CONNECT, "connect", -ECONNREFUSED);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(8080),
				  .sin_addr.s_addr = htonl(0x7f000001) };
	memcpy(r.str, &in, sizeof(in));
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "127.0.0.1:8080", "connect: IPv4 address:port");
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443),
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	memcpy(r.str, &in6, sizeof(in6));
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "[::1]:443", "connect: IPv6");
	struct probe_sock_local l6 = { .family = AF_INET6, .port = 40000, .addr6 = { [15] = 1 } };
	memcpy(r.str + PROBE_LOCAL_OFF, &l6, sizeof(l6));
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "[::1]:443 from [::1]:40000",
	       "connect: the kernel's local end (TCP)");
	l6.port = 0;
	memcpy(r.str + PROBE_LOCAL_OFF, &l6, sizeof(l6));
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "[::1]:443 from [::1]",
	       "connect: no port when the kernel released it");
	const char *j = decode(&r, MOAT_TRACE_JSON, &b);
	ok(strstr(j, "\"ret\":-111,\"error\":\"ECONNREFUSED\"") != NULL, "JSON: errno named: %s", j);
	r = rec(PROBE_EV_SIGNAL, "kill", 0);
	r.args[0] = 42;
	r.args[1] = SIGTERM;
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "pid 42 TERM", "kill: target and signal");
	r = rec(PROBE_EV_EXIT, NULL, 3 << 8);
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "exited 3", "exit status");
	r.ret = SIGKILL;
	is_str(decode(&r, MOAT_TRACE_TEXT, &b), "killed by KILL", "killed by a signal");
	j = decode(&r, MOAT_TRACE_JSON, &b);
	ok(strstr(j, "\"event\":\"exit\"") != NULL && strstr(j, "\"signal\":\"KILL\"") != NULL,
	   "JSON exit: %s", j);
	sbuf_release(&b);
}

static void test_summary_text(void)
{
	struct moat_trace_row rows[2] = {
		{ .nr = 257, .name = "openat", .count = 4, .errors = 1, .total_ns = 3000000,
		  .max_ns = 2000000 },
		{ .nr = 39, .name = "getpid", .count = 10, .total_ns = 1000000, .max_ns = 200000 },
	};
	struct moat_trace_summary s = { .rows = rows, .n_rows = 2, .calls = 14, .errors = 1,
					.total_ns = 4000000, .hist_syscall = "openat" };
	s.hist[11] = 2; /* [1K, 2K) */
	s.hist[12] = 4;
	struct sbuf b = { 0 };
	struct moat_sink sink = { to_sbuf, &b };
	moat_trace_summary_write(&s, MOAT_TRACE_TEXT, &sink);
	const char *t = sbuf_str(&b);
	ok(strstr(t, " 75.00    0.003000         750        2000         4         1 openat\n") != NULL,
	   "strace -c row: %% time, seconds, usecs/call, max, calls, errors");
	ok(strstr(t, "100.00    0.004000         285                    14         1 total\n") != NULL,
	   "total row");
	ok(strstr(t, "@ns[openat]:\n[1K, 2K)                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@") != NULL,
	   "histogram buckets as bpftrace prints them");
	ok(strstr(t, "[2K, 4K)                    4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|") != NULL,
	   "the largest bucket has the full bar");
	sbuf_reset(&b);
	moat_trace_summary_write(&s, MOAT_TRACE_JSON, &sink);
	ok(strstr(sbuf_str(&b), "{\"name\":\"openat\",\"nr\":257,\"calls\":4,\"errors\":1,"
				"\"total_ns\":3000000,\"avg_ns\":750000,\"max_ns\":2000000}") != NULL,
	   "JSON row");
	sbuf_release(&b);
}

/* BTF offsets, anonymous members included (the kernel's socket layout). */
static void test_struct_offsets(void)
{
	uint32_t off = 99;
	struct moat_error e = { 0 };
	is_int(moat_kernel_struct_offset("sock_common", "skc_daddr", &off, &e), 0,
	       "sock_common.skc_daddr, inside anonymous unions: %s", e.msg);
	is_u64(off, 0, "at 0");
	is_int(moat_kernel_struct_offset("sock_common", "skc_num", &off, &e), 0, "skc_num found");
	is_u64(off, 14, "at 14 (after the address pair, hash and destination port)");
	is_int(moat_kernel_struct_offset("sock_common", "skc_family", &off, &e), 0,
	       "skc_family found");
	is_u64(off, 16, "at 16");
	is_int(moat_kernel_struct_offset("sock_common", "no_such_member", &off, &e), -ENOENT,
	       "a missing member is ENOENT");
	ok(strstr(e.msg, "no member 'no_such_member'") != NULL, "and named: %s", e.msg);
}

int main(void)
{
	test_struct_offsets();
	test_decode();
	test_summary_text();
	test_bad_input();
	test_session();
	return tap_done();
}
