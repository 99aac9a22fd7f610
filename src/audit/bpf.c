/*
 * eBPF: who may load programs, how the JIT is set, and every program, map
 * and link the kernel holds right now.  eBPF is a way into the kernel too:
 * a tracing or LSM program can read any memory and rewrite what system
 * calls return, which is how eBPF rootkits hide files and processes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"
#include "util/sbuf.h"

#define G "bpf"

static void check_unprivileged(struct audit_ctx *c)
{
	long v;
	char eb[128];
	int r = audit_read_long(c, "proc/sys/kernel/unprivileged_bpf_disabled", &v);
	const char *fix = "sysctl kernel.unprivileged_bpf_disabled=2 (or 1 to lock it until reboot)";
	/*
	 * 1 and 2 both refuse bpf(2) to unprivileged users; 2 lets root set it
	 * back to 0, 1 cannot be undone before reboot.  2 is the kernel default
	 * with CONFIG_BPF_UNPRIV_DEFAULT_OFF: a safe setting, not a weak one.
	 */
	if (r == -ENOENT)
		audit_add(c, "bpf.unprivileged", G, MOAT_AUDIT_OK, NULL,
			  "no bpf(2) system call (proc/sys/kernel/unprivileged_bpf_disabled absent)");
	else if (r < 0)
		audit_add(c, "bpf.unprivileged", G, MOAT_AUDIT_WARN, fix,
			  "proc/sys/kernel/unprivileged_bpf_disabled: %s", audit_read_error(r, eb, sizeof(eb)));
	else if (v == 1)
		audit_add(c, "bpf.unprivileged", G, MOAT_AUDIT_OK, NULL,
			  "kernel.unprivileged_bpf_disabled=1: only privileged users may use bpf(2), "
			  "locked until reboot");
	else if (v == 2)
		audit_add(c, "bpf.unprivileged", G, MOAT_AUDIT_OK, NULL,
			  "kernel.unprivileged_bpf_disabled=2: only privileged users may use bpf(2); "
			  "root may change it (use 1 to lock)");
	else if (v == 0)
		audit_add(c, "bpf.unprivileged", G, MOAT_AUDIT_RISK, fix,
			  "kernel.unprivileged_bpf_disabled=0: any user may load socket-filter programs "
			  "(verifier bugs and Spectre gadgets are reachable)");
	else
		audit_add(c, "bpf.unprivileged", G, MOAT_AUDIT_WARN, fix,
			  "kernel.unprivileged_bpf_disabled=%ld: a value this kernel's documentation does not define", v);
}

static void check_jit(struct audit_ctx *c)
{
	long v;
	char eb[128];
	int r = audit_read_long(c, "proc/sys/net/core/bpf_jit_enable", &v);
	if (r == -ENOENT)
		audit_add(c, "bpf.jit", G, MOAT_AUDIT_OK, NULL,
			  "no BPF JIT switch (proc/sys/net/core/bpf_jit_enable absent: no JIT, or "
			  "CONFIG_BPF_JIT_ALWAYS_ON without the sysctl)");
	else if (r < 0)
		audit_add(c, "bpf.jit", G, MOAT_AUDIT_WARN, NULL, "proc/sys/net/core/bpf_jit_enable: %s",
			  audit_read_error(r, eb, sizeof(eb)));
	else if (v == 1)
		audit_add(c, "bpf.jit", G, MOAT_AUDIT_OK, NULL, "net.core.bpf_jit_enable=1: programs run JIT-compiled%s",
			  audit_config(c, "BPF_JIT_ALWAYS_ON") == 'y' ? " (always on: no interpreter)" : "");
	else if (v == 2)
		audit_add(c, "bpf.jit", G, MOAT_AUDIT_RISK, "sysctl net.core.bpf_jit_enable=1",
			  "net.core.bpf_jit_enable=2: the JIT writes every program's machine code and "
			  "address to the kernel log");
	else
		audit_add(c, "bpf.jit", G, MOAT_AUDIT_WARN,
			  "sysctl net.core.bpf_jit_enable=1 (and build with CONFIG_BPF_JIT_ALWAYS_ON=y)",
			  "net.core.bpf_jit_enable=%ld: programs run in the interpreter, a Spectre v2 "
			  "gadget source", v);
}

static void check_harden(struct audit_ctx *c)
{
	long v;
	char eb[128];
	int r = audit_read_long(c, "proc/sys/net/core/bpf_jit_harden", &v);
	const char *fix = "sysctl net.core.bpf_jit_harden=2";
	if (r == -ENOENT)
		audit_add(c, "bpf.jit_harden", G, MOAT_AUDIT_OK, NULL,
			  "no JIT hardening switch (proc/sys/net/core/bpf_jit_harden absent: no JIT)");
	else if (r < 0)
		audit_add(c, "bpf.jit_harden", G, MOAT_AUDIT_WARN, fix,
			  "proc/sys/net/core/bpf_jit_harden: %s", audit_read_error(r, eb, sizeof(eb)));
	else if (v >= 2)
		audit_add(c, "bpf.jit_harden", G, MOAT_AUDIT_OK, NULL,
			  "net.core.bpf_jit_harden=%ld: constants are blinded in every program", v);
	else
		audit_add(c, "bpf.jit_harden", G, MOAT_AUDIT_WARN, fix,
			  "net.core.bpf_jit_harden=%ld: constants are blinded %s (JIT spraying)", v,
			  v == 1 ? "only in unprivileged programs" : "in no program");
}

/* Program types that can read kernel memory or change what the kernel does. */
static bool powerful(const char *type)
{
	static const char *const t[] = { "kprobe", "tracepoint", "raw_tracepoint",
					 "raw_tracepoint_writable", "tracing", "lsm", "perf_event",
					 "ext", "struct_ops", "syscall" };
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(t); i++)
		if (!strcmp(type, t[i]))
			return true;
	return false;
}

static const char *kind_name(enum moat_kobj_kind k)
{
	return k == MOAT_KOBJ_PROG ? "prog" : k == MOAT_KOBJ_MAP ? "map" : "link";
}

/* The link that holds program id, or NULL. */
static const struct moat_kobj *link_of(const struct moat_kinv *inv, uint32_t id)
{
	for (size_t i = 0; i < inv->n; i++)
		if (inv->objs[i].kind == MOAT_KOBJ_LINK && inv->objs[i].prog_id == id)
			return &inv->objs[i];
	return NULL;
}

/* One object as a line: "prog 12 kprobe 'name' tag ...; held by 345 (comm) fd 4". */
static void item(struct audit_ctx *c, const struct moat_kobj *o)
{
	char own[400] = "";
	size_t at = 0;
	for (size_t i = 0; i < o->nowners && at < sizeof(own); i++)
		at += (size_t)snprintf(own + at, sizeof(own) - at, "%s%d (%s) fd %d", i ? ", " : "held by ",
				       o->owners[i].pid, o->owners[i].comm, o->owners[i].fd);
	if (o->all_owners > o->nowners && at < sizeof(own))
		snprintf(own + at, sizeof(own) - at, " and %zu more", o->all_owners - o->nowners);
	const struct moat_kobj *l = o->kind == MOAT_KOBJ_PROG ? link_of(c->inv, o->id) : NULL;
	if (!o->nowners)
		snprintf(own, sizeof(own), "no process holds it%s",
			 l ? "" : " (pinned, attached without a link, or used by another object)");
	if (l) {
		at = strlen(own);
		/* a link's attach text starts "prog N, ": the program is this one */
		const char *where = strchr(l->attach, ',');
		snprintf(own + at, sizeof(own) - at, "; attached through link %u (%s)", l->id,
			 where ? where + 2 : l->attach);
	}
	audit_item(c, "%s %u %s%s%s%s %s; %s", kind_name(o->kind), o->id, o->type, *o->name ? " '" : "",
		   o->name, *o->name ? "'" : "", o->attach, own);
}

static void check_objects(struct audit_ctx *c, enum moat_kobj_kind kind, const char *id)
{
	if (!c->inv) {
		audit_add(c, id, G, MOAT_AUDIT_INFO, NULL, "BPF %ss in the kernel: %s",
			  kind == MOAT_KOBJ_PROG ? "program" : kind_name(kind), c->inv_why);
		return;
	}
	size_t n = 0, strong = 0;
	for (size_t i = 0; i < c->inv->n; i++)
		if (c->inv->objs[i].kind == kind) {
			n++;
			strong += kind == MOAT_KOBJ_PROG && powerful(c->inv->objs[i].type);
		}
	enum moat_audit_verdict v = strong ? MOAT_AUDIT_WARN : n ? MOAT_AUDIT_INFO : MOAT_AUDIT_OK;
	if (kind == MOAT_KOBJ_PROG)
		audit_add(c, id, G, v,
			  strong ? "check each tracing/LSM program's owner; unknown ones may be a rootkit: "
				   "find its loader (pid below) or detach its link" : NULL,
			  "%zu program%s loaded, %zu of a type that reads kernel memory or changes "
			  "kernel behaviour", n, n == 1 ? "" : "s", strong);
	else
		audit_add(c, id, G, n ? MOAT_AUDIT_INFO : MOAT_AUDIT_OK, NULL, "%zu %s%s in the kernel", n,
			  kind_name(kind), n == 1 ? "" : "s");
	for (size_t i = 0; i < c->inv->n; i++)
		if (c->inv->objs[i].kind == kind)
			item(c, &c->inv->objs[i]);
}

void audit_bpf(struct audit_ctx *c)
{
	check_unprivileged(c);
	check_jit(c);
	check_harden(c);
	check_objects(c, MOAT_KOBJ_PROG, "bpf.programs");
	check_objects(c, MOAT_KOBJ_MAP, "bpf.maps");
	check_objects(c, MOAT_KOBJ_LINK, "bpf.links");
}
