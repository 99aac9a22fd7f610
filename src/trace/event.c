/*
 * Events: ring-buffer records decoded into what a person reads (paths and
 * open flags, socket addresses, signal names, exit statuses) and written as
 * a text line or a JSON object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include <moat/syscalls.h>

#include "trace/trace_internal.h"
#include "util/json.h"

static const char *const event_names[] = {
	[MOAT_TRACE_EV_EXEC] = "exec",     [MOAT_TRACE_EV_OPEN] = "open",
	[MOAT_TRACE_EV_CONNECT] = "connect", [MOAT_TRACE_EV_SIGNAL] = "signal",
	[MOAT_TRACE_EV_EXIT] = "exit",
};
_Static_assert((int)MOAT_TRACE_EV_EXIT == (int)PROBE_EV_EXIT, "event kinds match the probes'");

const char *moat_trace_event_name(enum moat_trace_event_kind kind)
{
	return kind >= MOAT_TRACE_EV_EXEC && kind <= MOAT_TRACE_EV_EXIT ? event_names[kind] : "?";
}

int moat_trace_event_parse(const char *name, enum moat_trace_event_kind *kind,
			   struct moat_error *err)
{
	for (int k = MOAT_TRACE_EV_EXEC; k <= MOAT_TRACE_EV_EXIT; k++)
		if (!strcmp(name, event_names[k])) {
			*kind = (enum moat_trace_event_kind)k;
			return 0;
		}
	return moat_error_set(err, EINVAL, "unknown event '%s' (exec, open, connect, signal, exit)",
			      name);
}

static const struct { int flag; const char *name; } open_flags[] = {
	{ O_CREAT, "O_CREAT" },     { O_EXCL, "O_EXCL" },         { O_NOCTTY, "O_NOCTTY" },
	{ O_TRUNC, "O_TRUNC" },     { O_APPEND, "O_APPEND" },     { O_NONBLOCK, "O_NONBLOCK" },
	{ O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" }, { O_CLOEXEC, "O_CLOEXEC" },
	{ O_PATH, "O_PATH" },       { O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE" },
};

static void flags_str(uint64_t flags, char *out, size_t len)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	size_t n = (size_t)snprintf(out, len, "%s", acc[flags & O_ACCMODE]);
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(open_flags) && n < len; i++)
		if ((flags & (uint64_t)open_flags[i].flag) == (uint64_t)open_flags[i].flag)
			n += (size_t)snprintf(out + n, len - n, "|%s", open_flags[i].name);
}

static void sockaddr_str(const char *raw, char *out, size_t len)
{
	sa_family_t fam;
	memcpy(&fam, raw, sizeof(fam));
	char a[INET6_ADDRSTRLEN];
	if (fam == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, raw, sizeof(in));
		inet_ntop(AF_INET, &in.sin_addr, a, sizeof(a));
		snprintf(out, len, "%s:%u", a, ntohs(in.sin_port));
	} else if (fam == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, raw, sizeof(in6));
		inet_ntop(AF_INET6, &in6.sin6_addr, a, sizeof(a));
		snprintf(out, len, "[%s]:%u", a, ntohs(in6.sin6_port));
	} else if (fam == AF_UNIX) {
		snprintf(out, len, "unix:%.100s", raw + offsetof(struct sockaddr_un, sun_path));
	} else {
		snprintf(out, len, "family %u", fam);
	}
}

/* " from ADDR[:PORT]": a TCP connect's local end as the kernel chose it
 * (no port once a failed connect released it); nothing when unknown. */
static void local_str(const char *raw, char *out, size_t len)
{
	struct probe_sock_local l;
	char a[INET6_ADDRSTRLEN];
	memcpy(&l, raw, sizeof(l));
	bool v4 = l.family == AF_INET;
	if ((!v4 && l.family != AF_INET6) ||
	    !inet_ntop(l.family, v4 ? (const void *)l.addr4 : (const void *)l.addr6, a, sizeof(a)))
		return;
	int n = snprintf(out, len, v4 ? " from %s" : " from [%s]", a);
	if (l.port && n > 0 && (size_t)n < len)
		snprintf(out + n, len - (size_t)n, ":%u", l.port);
}

static const char *signame(int sig)
{
	const char *s = sig ? sigabbrev_np(sig) : NULL;
	return s ? s : "0";
}

static void detail_str(const struct probe_event *r, char *out, size_t len)
{
	char f[120];
	switch ((enum probe_event_kind)r->kind) {
	case PROBE_EV_EXEC:
		snprintf(out, len, "\"%.*s\"", PROBE_STR_LEN, r->str);
		break;
	case PROBE_EV_OPEN: {
		uint64_t flags = r->nr == (uint32_t)moat_syscall_number("openat") ? r->args[2]
				 : r->nr == (uint32_t)moat_syscall_number("open") ? r->args[1]
				 : r->nr == (uint32_t)moat_syscall_number("creat")
					 ? (uint64_t)(O_CREAT | O_WRONLY | O_TRUNC) : 0;
		flags_str(flags, f, sizeof(f));
		snprintf(out, len, "\"%.*s\" %s", PROBE_STR_LEN, r->str, f);
		break;
	}
	case PROBE_EV_CONNECT: {
		sockaddr_str(r->str, out, len);
		size_t n = strlen(out);
		local_str(r->str + PROBE_LOCAL_OFF, out + n, len - n);
		break;
	}
	case PROBE_EV_SIGNAL: {
		bool tg = r->nr == (uint32_t)moat_syscall_number("tgkill");
		int sig = (int)(tg ? r->args[2] : r->args[1]);
		if (tg)
			snprintf(out, len, "pid %d tid %d %s", (int)r->args[0], (int)r->args[1],
				 signame(sig));
		else
			snprintf(out, len, "pid %d %s", (int)r->args[0], signame(sig));
		break;
	}
	case PROBE_EV_EXIT: {
		int st = (int)r->ret;
		if (r->ret == -1)
			snprintf(out, len, "exited (status unknown with tracepoint hooks)");
		else if (WIFSIGNALED(st))
			snprintf(out, len, "killed by %s", signame(WTERMSIG(st)));
		else
			snprintf(out, len, "exited %d", WEXITSTATUS(st));
		break;
	}
	}
}

void trace_event_decode(const struct probe_event *r, struct moat_trace_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = (enum moat_trace_event_kind)r->kind;
	ev->ts_ns = r->ts_ns;
	ev->pid = r->pid;
	ev->tid = r->tid;
	bool exit = r->kind == PROBE_EV_EXIT;
	ev->nr = exit ? -1 : (int)r->nr;
	const char *name = exit ? "" : moat_syscall_name((int)r->nr);
	ev->syscall = name ? name : "?";
	ev->ret = r->ret;
	memcpy(ev->args, r->args, sizeof(ev->args));
	memcpy(ev->comm, r->comm, sizeof(r->comm));
	detail_str(r, ev->detail, sizeof(ev->detail));
}

/* CLOCK_MONOTONIC ns -> wall clock "HH:MM:SS.uuuuuu". */
static void wall_time(uint64_t mono_ns, char *out, size_t len)
{
	struct timespec m, w;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &w);
	uint64_t now_m = (uint64_t)m.tv_sec * 1000000000u + (uint64_t)m.tv_nsec;
	uint64_t now_w = (uint64_t)w.tv_sec * 1000000000u + (uint64_t)w.tv_nsec;
	uint64_t age = now_m > mono_ns ? now_m - mono_ns : 0; /* a future stamp counts as now */
	uint64_t t = now_w > age ? now_w - age : 0;
	time_t s = (time_t)(t / 1000000000u);
	struct tm tm;
	localtime_r(&s, &tm);
	snprintf(out, len, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(t % 1000000000u / 1000));
}

static const char *errname(int64_t ret)
{
	const char *s = ret < 0 && ret >= -4095 ? strerrorname_np((int)-ret) : NULL;
	return s ? s : "";
}

static void write_json(const struct moat_trace_event *ev, struct sbuf *b)
{
	struct json j = { .out = b };
	json_obj(&j);
	json_kuint(&j, "ts_ns", ev->ts_ns);
	json_kstr(&j, "event", moat_trace_event_name(ev->kind));
	json_kuint(&j, "pid", ev->pid);
	json_kuint(&j, "tid", ev->tid);
	json_kstr(&j, "comm", ev->comm);
	if (ev->kind != MOAT_TRACE_EV_EXIT) {
		json_kstr(&j, "syscall", ev->syscall);
		json_key(&j, "args");
		json_arr(&j);
		for (int i = 0; i < 4; i++)
			json_uint(&j, ev->args[i]);
		json_end(&j);
		json_kint(&j, "ret", ev->ret);
		if (*errname(ev->ret))
			json_kstr(&j, "error", errname(ev->ret));
	} else {
		int st = (int)ev->ret;
		json_kint(&j, "status", st);
		if (WIFSIGNALED(st))
			json_kstr(&j, "signal", signame(WTERMSIG(st)));
		else
			json_kint(&j, "exit_code", WEXITSTATUS(st));
	}
	json_kstr(&j, "detail", ev->detail);
	json_end(&j);
	sbuf_putc(b, '\n');
}

void moat_trace_event_write(const struct moat_trace_event *ev, enum moat_trace_format fmt,
			    const struct moat_sink *out)
{
	struct sbuf b = { 0 };
	if (fmt == MOAT_TRACE_JSON) {
		write_json(ev, &b);
	} else {
		char when[32];
		wall_time(ev->ts_ns, when, sizeof(when));
		sbuf_printf(&b, "%s %-7u %-16s %-7s %-8s %s", when, ev->pid, ev->comm,
			    moat_trace_event_name(ev->kind), ev->syscall, ev->detail);
		if (ev->kind != MOAT_TRACE_EV_EXIT)
			sbuf_printf(&b, " = %lld%s%s", (long long)ev->ret, *errname(ev->ret) ? " " : "",
				    errname(ev->ret));
		sbuf_putc(&b, '\n');
	}
	if (!b.oom && b.len)
		out->write(out->arg, sbuf_str(&b), b.len);
	sbuf_release(&b);
}
