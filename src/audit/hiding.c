/*
 * Hiding: what the kernel runs but /proc does not show.  Simple rootkits
 * hide a process by mounting something over /proc/PID (ps then cannot read
 * it) or by filtering /proc's directory listing; kernel rootkits hide their
 * module from /proc/modules.  The kernel's own lists (a BPF task iterator,
 * /sys/module, kallsyms) are compared with what /proc shows.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"

#define G "hiding"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Unescapes mountinfo's \040-style octal escapes in place. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
}

size_t audit_proc_pid_mounts(const char *mountinfo, void (*fn)(int pid, const char *mnt, void *arg),
			     void *arg)
{
	size_t n = 0;
	for (const char *p = mountinfo; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[4096], mnt[4096];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		p += len + (nl ? 1 : 0);
		/* id parent major:minor root MOUNTPOINT options ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		unescape(mnt);
		if (strncmp(mnt, "/proc/", 6))
			continue;
		char digits[16];
		size_t d = strspn(mnt + 6, "0123456789");
		if (!d || d >= sizeof(digits) || (mnt[6 + d] && mnt[6 + d] != '/'))
			continue;
		memcpy(digits, mnt + 6, d);
		digits[d] = 0;
		n++;
		if (fn)
			fn(atoi(digits), mnt, arg);
	}
	return n;
}

static void mount_item(int pid, const char *mnt, void *arg)
{
	audit_item(arg, "pid %d: %s is mounted over", pid, mnt);
}

static void check_proc_mounts(struct audit_ctx *c)
{
	MOAT_AUTO(free) char *s = NULL;
	char eb[128];
	int r = audit_read(c, "proc/self/mountinfo", &s);
	if (r < 0) {
		audit_add(c, "hiding.proc_mounts", G, MOAT_AUDIT_INFO, NULL, "proc/self/mountinfo: %s",
			  audit_read_error(r, eb, sizeof(eb)));
		return;
	}
	size_t n = audit_proc_pid_mounts(s, NULL, NULL);
	if (!n) {
		audit_add(c, "hiding.proc_mounts", G, MOAT_AUDIT_OK, NULL,
			  "nothing is mounted over a /proc/PID directory (proc/self/mountinfo)");
		return;
	}
	audit_add(c, "hiding.proc_mounts", G, MOAT_AUDIT_RISK,
		  "find who mounted it (the process itself is still in the kernel's task list); "
		  "umount the path and inspect the process",
		  "%zu mount%s over /proc/PID hide%s a process from ps and top (proc/self/mountinfo)",
		  n, n == 1 ? "" : "s", n == 1 ? "s" : "");
	audit_proc_pid_mounts(s, mount_item, c);
}

/*
 * Whether /proc shows pid as ps would: its stat file reads and names it.
 * A mount over /proc/PID (an empty directory, another process's files)
 * fails this even though readdir still lists the number.
 */
static bool visible(struct audit_ctx *c, int pid, char *why, size_t len)
{
	char rel[64], want[32];
	MOAT_AUTO(free) char *s = NULL;
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	int r = audit_read(c, rel, &s);
	if (r < 0) {
		char eb[128];
		snprintf(why, len, "proc/%d/stat %s", pid, audit_read_error(r, eb, sizeof(eb)));
		return false;
	}
	int n = snprintf(want, sizeof(want), "%d (", pid);
	if (strncmp(s, want, (size_t)n)) {
		snprintf(why, len, "proc/%d/stat describes another process: %.40s", pid, s);
		return false;
	}
	return true;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The numeric entries of proc/, sorted; NULL with *n = 0 when unreadable. */
static int *proc_pids(struct audit_ctx *c, size_t *n)
{
	char path[4096];
	DIR *d = opendir(audit_path(c, "proc", path, sizeof(path)));
	int *v = NULL;
	size_t cap = 0;
	*n = 0;
	if (!d)
		return NULL;
	for (struct dirent *e; (e = readdir(d));) {
		if (!all_digits(e->d_name) || strlen(e->d_name) > 9)
			continue;
		if (*n == cap) {
			int *nv = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*nv));
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = atoi(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_int);
	return v;
}

static bool in_sorted(const int *v, size_t n, int x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_int) != NULL;
}

/*
 * True when this process lives in a child pid namespace: its status line
 * "NSpid:\t40\t2" has one pid per namespace level.  The iterator reports
 * pids of the initial namespace, which /proc there does not show.
 */
static bool nested_pidns(struct audit_ctx *c)
{
	MOAT_AUTO(free) char *s = NULL;
	if (audit_read(c, "proc/self/status", &s) < 0)
		return false;
	char *line = strstr(s, "\nNSpid:");
	if (!line)
		return false;
	size_t len = strcspn(line + 1, "\n"), levels = 0;
	for (size_t i = 1; i <= len; i++)
		levels += line[i] == '\t';
	return levels > 1;
}

/*
 * Pids /proc shows but the task list lacks.  That direction is not hiding,
 * but a known exception must be said, not skipped.  On the live machine a
 * second pass of the iterator tells processes started since the first one
 * (counted in one line) from pids the iterator never returns.
 */
static void only_in_proc(struct audit_ctx *c, const int *procs, size_t np)
{
	MOAT_AUTO(free) int *again = NULL;
	size_t nagain = 0, started = 0;
	bool second = false;
	for (size_t i = 0; i < np; i++) {
		int pid = procs[i];
		if (in_sorted(c->tgids, c->ntgids, pid))
			continue;
		if (c->live && !second)
			second = moat_ktasks_list(&again, &nagain, NULL) == 0;
		if (second && pid != 1 && in_sorted(again, nagain, pid)) {
			started++;
			continue;
		}
		if (pid == 1)
			audit_item(c, "pid 1: known exception: the task iterator of this kernel does not "
				      "return init; /proc shows it%s", c->live && kill(1, 0) == 0 ? " and it is alive" : "");
		else
			audit_item(c, "pid %d: in /proc, not in the %s task list", pid, c->live ? "kernel's" : "given");
	}
	if (started)
		audit_item(c, "%zu process%s started while moat compared the lists", started, started == 1 ? "" : "es");
}

static void check_tasks(struct audit_ctx *c)
{
	if (!c->have_tgids) {
		audit_add(c, "hiding.processes", G, MOAT_AUDIT_INFO, NULL,
			  "kernel task list vs /proc: %s", c->tgids_why);
		return;
	}
	if (nested_pidns(c)) {
		audit_add(c, "hiding.processes", G, MOAT_AUDIT_INFO, "run moat audit in the initial pid namespace",
			  "kernel task list vs /proc: not compared, this process is in a child pid namespace");
		return;
	}
	size_t np, nhidden = 0;
	MOAT_AUTO(free) int *procs = proc_pids(c, &np);
	MOAT_AUTO(free) char *why = calloc(c->ntgids ? c->ntgids : 1, 200);
	if (!why)
		return;
	/*
	 * A task the iterator returned but /proc does not show.  On this
	 * machine a task may also have exited since the iterator ran: kill(pid,
	 * 0) tells an exited task (ESRCH) from a hidden one.
	 */
	for (size_t i = 0; i < c->ntgids; i++) {
		int pid = c->tgids[i];
		char *w = why + i * 200;
		if (!visible(c, pid, w, 200) && (!c->live || kill(pid, 0) == 0 || errno == EPERM))
			nhidden++;
		else
			*w = 0;
	}
	if (nhidden)
		audit_add(c, "hiding.processes", G, MOAT_AUDIT_RISK,
			  "inspect each pid (kill -STOP, ls -l /proc/PID/exe after umount); look for mounts "
			  "over /proc and for kernel or eBPF rootkits",
			  "%zu process%s in the kernel's task list (BPF task iterator) %s hidden from /proc",
			  nhidden, nhidden == 1 ? "" : "es", nhidden == 1 ? "is" : "are");
	else
		audit_add(c, "hiding.processes", G, MOAT_AUDIT_OK, NULL,
			  "all %zu processes of the kernel's task list (BPF task iterator) are visible in "
			  "/proc (%zu entries)", c->ntgids, np);
	for (size_t i = 0; i < c->ntgids; i++)
		if (why[i * 200])
			audit_item(c, "pid %d: hidden: %s%s", c->tgids[i], why + i * 200,
				   in_sorted(procs, np, c->tgids[i]) ? " (still listed by readdir)"
								     : " (not even listed)");
	only_in_proc(c, procs, np);
}

size_t audit_kallsyms_modules(const char *kallsyms, void (*fn)(const char *name, void *arg), void *arg)
{
	char last[64] = "";
	size_t n = 0;
	for (const char *p = kallsyms; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *l = memchr(p, '[', len);
		const char *r = l ? memchr(l, ']', len - (size_t)(l - p)) : NULL;
		p += len + (nl ? 1 : 0);
		if (!r || r - l - 1 <= 0 || (size_t)(r - l - 1) >= sizeof(last))
			continue;
		char name[64];
		memcpy(name, l + 1, (size_t)(r - l - 1));
		name[r - l - 1] = 0;
		/* Symbols of one module are contiguous; the pseudo-modules are not modules. */
		if (!strcmp(name, last) || !strcmp(name, "bpf") || !strncmp(name, "__builtin__", 11))
			continue;
		strcpy(last, name);
		n++;
		if (fn)
			fn(name, arg);
	}
	return n;
}

struct modscan {
	struct audit_ctx *c;
	const char *listed; /* proc/modules text, or NULL */
	char seen[8192];    /* names already reported: "\nname\nname\n" */
	size_t nseen, nhidden;
	const char *source;
	bool emit;
};

/* Whether name is the first word of a line in proc/modules. */
static bool listed(const char *mods, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = mods; p && *p;) {
		if (!strncmp(p, name, n) && p[n] == ' ')
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

static void consider(const char *name, void *arg)
{
	struct modscan *m = arg;
	char key[80];
	snprintf(key, sizeof(key), "\n%s\n", name);
	if ((m->listed && listed(m->listed, name)) || strstr(m->seen, key))
		return;
	size_t kl = strlen(key + 1);
	if (m->nseen + kl < sizeof(m->seen)) { /* seen is "\na\nb\n" */
		memcpy(m->seen + m->nseen, key + 1, kl + 1);
		m->nseen += kl;
	}
	m->nhidden++;
	if (m->emit)
		audit_item(m->c, "%s: in %s, not in /proc/modules", name, m->source);
}

/* Loadable modules in sys/module (only they have an initstate file). */
static void scan_sysfs(struct audit_ctx *c, struct modscan *m)
{
	char path[4096];
	DIR *d = opendir(audit_path(c, "sys/module", path, sizeof(path)));
	if (!d)
		return;
	m->source = "sys/module (initstate)";
	for (struct dirent *e; (e = readdir(d));) {
		char rel[512];
		snprintf(rel, sizeof(rel), "sys/module/%.200s/initstate", e->d_name);
		if (e->d_name[0] != '.' && audit_exists(c, rel))
			consider(e->d_name, m);
	}
	closedir(d);
}

static void scan_modules(struct audit_ctx *c, struct modscan *m, const char *kallsyms)
{
	strcpy(m->seen, "\n");
	m->nseen = 1;
	m->nhidden = 0;
	scan_sysfs(c, m);
	m->source = "proc/kallsyms";
	if (kallsyms)
		audit_kallsyms_modules(kallsyms, consider, m);
}

static void check_modules(struct audit_ctx *c)
{
	MOAT_AUTO(free) char *mods = NULL;
	MOAT_AUTO(free) char *ksyms = NULL;
	bool have_list = audit_read(c, "proc/modules", &mods) == 0;
	bool have_syms = audit_read(c, "proc/kallsyms", &ksyms) == 0;
	struct modscan *m = calloc(1, sizeof(*m));
	if (!m)
		return;
	m->c = c;
	m->listed = mods;
	scan_modules(c, m, ksyms);
	const char *sources = have_syms ? "sys/module and proc/kallsyms" : "sys/module (proc/kallsyms unreadable)";
	if (!m->nhidden)
		audit_add(c, "hiding.modules", G, MOAT_AUDIT_OK, NULL,
			  "every module in %s is listed in /proc/modules%s", sources,
			  have_list ? "" : " (no module support: none found)");
	else
		audit_add(c, "hiding.modules", G, MOAT_AUDIT_RISK,
			  "treat the machine as compromised: a hidden module is kernel code that cannot be "
			  "unloaded safely; reinstall from trusted media",
			  "%zu module%s in %s %s missing from /proc/modules%s", m->nhidden,
			  m->nhidden == 1 ? "" : "s", sources, m->nhidden == 1 ? "is" : "are",
			  have_list ? "" : " (a kernel without module support shows none)");
	m->emit = true;
	if (m->nhidden)
		scan_modules(c, m, ksyms);
	free(m);
}

void audit_hiding(struct audit_ctx *c)
{
	check_tasks(c);
	check_proc_mounts(c);
	check_modules(c);
	audit_hiding_bpf(c);
}
