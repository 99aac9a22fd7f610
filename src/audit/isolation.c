/*
 * Isolation features: seccomp, user namespaces for unprivileged users, the
 * active LSMs, and the sysctls and boot parameters that keep one process
 * (or user) from reading another's memory or the kernel's addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"

#define G "isolation"

/*
 * One sysctl whose hardened values are [lo, hi].  absent_ok says whether a
 * missing file means the feature (and its risk) is compiled out.
 */
static const struct knob {
	const char *id, *rel, *name;
	long lo, hi;
	enum moat_audit_verdict bad;
	const char *why;    /* what a weak value allows */
	const char *remedy;
	bool absent_ok;
	const char *absent; /* what a missing file means */
} knobs[] = {
	{ "isolation.ptrace_scope", "proc/sys/kernel/yama/ptrace_scope", "kernel.yama.ptrace_scope", 1, 3,
	  MOAT_AUDIT_WARN, "a process may ptrace (read and change) any other of the same user",
	  "sysctl kernel.yama.ptrace_scope=1 (2: only root may attach; 3: nobody)", false,
	  "Yama is not in this kernel: a process may ptrace any other of the same user "
	  "(build with CONFIG_SECURITY_YAMA=y)" },
	{ "isolation.kptr_restrict", "proc/sys/kernel/kptr_restrict", "kernel.kptr_restrict", 1, 2,
	  MOAT_AUDIT_WARN, "kernel addresses are shown to everyone (KASLR bypass)",
	  "sysctl kernel.kptr_restrict=2", false, "no kptr_restrict switch" },
	{ "isolation.dmesg_restrict", "proc/sys/kernel/dmesg_restrict", "kernel.dmesg_restrict", 1, 1,
	  MOAT_AUDIT_WARN, "any user may read the kernel log (addresses, hardware, errors)",
	  "sysctl kernel.dmesg_restrict=1", false, "no dmesg_restrict switch" },
	{ "isolation.perf_event_paranoid", "proc/sys/kernel/perf_event_paranoid",
	  "kernel.perf_event_paranoid", 2, 4, MOAT_AUDIT_WARN,
	  "unprivileged users may profile the kernel (perf events: side channels, a large attack surface)",
	  "sysctl kernel.perf_event_paranoid=3 where the kernel has it (Debian), else 2", true,
	  "no perf events in this kernel" },
	{ "isolation.randomize_va_space", "proc/sys/kernel/randomize_va_space",
	  "kernel.randomize_va_space", 2, 2, MOAT_AUDIT_WARN,
	  "user address-space layout is not fully randomized", "sysctl kernel.randomize_va_space=2",
	  false, "no ASLR switch" },
	{ "isolation.protected_symlinks", "proc/sys/fs/protected_symlinks", "fs.protected_symlinks", 1, 1,
	  MOAT_AUDIT_WARN, "symlinks in world-writable sticky directories are followed (TOCTOU races)",
	  "sysctl fs.protected_symlinks=1", false, "no protected_symlinks switch" },
	{ "isolation.protected_hardlinks", "proc/sys/fs/protected_hardlinks", "fs.protected_hardlinks", 1, 1,
	  MOAT_AUDIT_WARN, "users may hard-link files they cannot write",
	  "sysctl fs.protected_hardlinks=1", false, "no protected_hardlinks switch" },
	{ "isolation.protected_fifos", "proc/sys/fs/protected_fifos", "fs.protected_fifos", 2, 2,
	  MOAT_AUDIT_WARN, "FIFOs of other users in sticky directories are opened by writers",
	  "sysctl fs.protected_fifos=2", true, "no protected_fifos switch (kernel before 4.19)" },
	{ "isolation.protected_regular", "proc/sys/fs/protected_regular", "fs.protected_regular", 2, 2,
	  MOAT_AUDIT_WARN, "files of other users in sticky directories are opened by writers",
	  "sysctl fs.protected_regular=2", true, "no protected_regular switch (kernel before 4.19)" },
	{ "isolation.suid_dumpable", "proc/sys/fs/suid_dumpable", "fs.suid_dumpable", 0, 0,
	  MOAT_AUDIT_WARN, "set-user-ID programs leave core dumps with their secrets",
	  "sysctl fs.suid_dumpable=0", false, "no suid_dumpable switch" },
	{ "isolation.io_uring", "proc/sys/kernel/io_uring_disabled", "kernel.io_uring_disabled", 1, 2,
	  MOAT_AUDIT_WARN, "every user may use io_uring, a frequent source of kernel exploits",
	  "sysctl kernel.io_uring_disabled=2 (1: only the kernel.io_uring_group group)", true,
	  "no io_uring switch (io_uring compiled out, or a kernel before 6.6)" },
	{ "isolation.ldisc_autoload", "proc/sys/dev/tty/ldisc_autoload", "dev.tty.ldisc_autoload", 0, 0,
	  MOAT_AUDIT_WARN, "users may make the kernel load line-discipline modules",
	  "sysctl dev.tty.ldisc_autoload=0", true, "no ldisc_autoload switch" },
	{ "isolation.userfaultfd", "proc/sys/vm/unprivileged_userfaultfd", "vm.unprivileged_userfaultfd", 0, 0,
	  MOAT_AUDIT_WARN, "users may pause the kernel on page faults (a race-widening exploit tool)",
	  "sysctl vm.unprivileged_userfaultfd=0", true, "no userfaultfd in this kernel" },
	{ "isolation.sysrq", "proc/sys/kernel/sysrq", "kernel.sysrq", 0, 0, MOAT_AUDIT_WARN,
	  "the keyboard's magic SysRq keys can kill processes and dump memory state",
	  "sysctl kernel.sysrq=0", true, "no magic SysRq key in this kernel" },
	{ "isolation.oops_limit", "proc/sys/kernel/oops_limit", "kernel.oops_limit", 1, 100, MOAT_AUDIT_WARN,
	  "an exploit may crash kernel threads over and over until it wins a race",
	  "sysctl kernel.oops_limit=100", true, "no oops limit (kernel before 6.2)" },
	{ "isolation.warn_limit", "proc/sys/kernel/warn_limit", "kernel.warn_limit", 1, 100, MOAT_AUDIT_WARN,
	  "kernel warnings (often an exploit's side effect) never stop the machine",
	  "sysctl kernel.warn_limit=100", true, "no warn limit (kernel before 6.2)" },
	{ "isolation.tiocsti", "proc/sys/dev/tty/legacy_tiocsti", "dev.tty.legacy_tiocsti", 0, 0,
	  MOAT_AUDIT_WARN, "processes may push keystrokes into another's terminal (TIOCSTI)",
	  "sysctl dev.tty.legacy_tiocsti=0", true, "no TIOCSTI switch (kernel before 6.2)" },
};

static void check_knob(struct audit_ctx *c, const struct knob *k)
{
	long v;
	char eb[128];
	int r = audit_read_long(c, k->rel, &v);
	if (r == -ENOENT)
		audit_add(c, k->id, G, k->absent_ok ? MOAT_AUDIT_OK : MOAT_AUDIT_WARN,
			  k->absent_ok ? NULL : k->remedy, "%s (%s absent)", k->absent, k->rel);
	else if (r < 0)
		audit_add(c, k->id, G, MOAT_AUDIT_WARN, k->remedy, "%s: %s", k->rel,
			  audit_read_error(r, eb, sizeof(eb)));
	else if (v >= k->lo && v <= k->hi)
		audit_add(c, k->id, G, MOAT_AUDIT_OK, NULL, "%s=%ld", k->name, v);
	else
		audit_add(c, k->id, G, k->bad, k->remedy, "%s=%ld: %s", k->name, v, k->why);
}

static void check_seccomp(struct audit_ctx *c)
{
	MOAT_AUTO(free) char *s = NULL;
	char eb[128];
	int r = audit_read(c, "proc/sys/kernel/seccomp/actions_avail", &s);
	if (r == 0)
		audit_add(c, "isolation.seccomp", G, MOAT_AUDIT_OK, NULL,
			  "seccomp filters available, actions: %s", s);
	else if (r == -ENOENT)
		audit_add(c, "isolation.seccomp", G, MOAT_AUDIT_WARN,
			  "build with CONFIG_SECCOMP=y CONFIG_SECCOMP_FILTER=y",
			  "no seccomp filters (proc/sys/kernel/seccomp absent%s): sandboxes cannot limit "
			  "system calls", audit_config(c, "SECCOMP_FILTER") == 'n' ? ", CONFIG_SECCOMP_FILTER is not set" : "");
	else
		audit_add(c, "isolation.seccomp", G, MOAT_AUDIT_WARN, NULL,
			  "proc/sys/kernel/seccomp/actions_avail: %s", audit_read_error(r, eb, sizeof(eb)));
}

static void check_userns(struct audit_ctx *c)
{
	long max, clone = -1, aa = -1;
	char eb[128];
	int r = audit_read_long(c, "proc/sys/user/max_user_namespaces", &max);
	bool has_clone = audit_read_long(c, "proc/sys/kernel/unprivileged_userns_clone", &clone) == 0;
	bool has_aa = audit_read_long(c, "proc/sys/kernel/apparmor_restrict_unprivileged_userns", &aa) == 0;
	const char *fix = "sysctl user.max_user_namespaces=0 when no rootless containers are needed "
			  "(Debian: kernel.unprivileged_userns_clone=0)";
	if (r == -ENOENT)
		audit_add(c, "isolation.userns", G, MOAT_AUDIT_OK, NULL,
			  "no user namespaces in this kernel (proc/sys/user/max_user_namespaces absent)");
	else if (r < 0)
		audit_add(c, "isolation.userns", G, MOAT_AUDIT_WARN, fix,
			  "proc/sys/user/max_user_namespaces: %s", audit_read_error(r, eb, sizeof(eb)));
	else if (max == 0)
		audit_add(c, "isolation.userns", G, MOAT_AUDIT_OK, NULL,
			  "user.max_user_namespaces=0: nobody may create user namespaces");
	else if (has_clone && clone == 0)
		audit_add(c, "isolation.userns", G, MOAT_AUDIT_OK, NULL,
			  "kernel.unprivileged_userns_clone=0: only privileged users create user namespaces");
	else if (has_aa && aa == 1)
		audit_add(c, "isolation.userns", G, MOAT_AUDIT_OK, NULL,
			  "kernel.apparmor_restrict_unprivileged_userns=1: AppArmor confines unprivileged "
			  "user namespaces");
	else
		audit_add(c, "isolation.userns", G, MOAT_AUDIT_WARN, fix,
			  "user.max_user_namespaces=%ld: unprivileged users may create user namespaces "
			  "and reach root-only kernel code inside them", max);
}

static void check_lsm(struct audit_ctx *c)
{
	MOAT_AUTO(free) char *s = NULL;
	int r = audit_read(c, "sys/kernel/security/lsm", &s);
	if (r < 0) {
		bool mounted = audit_exists(c, "sys/kernel/security/lockdown");
		audit_add(c, "isolation.lsm", G, MOAT_AUDIT_WARN,
			  mounted ? NULL : "mount -t securityfs securityfs /sys/kernel/security",
			  "active LSMs unknown: sys/kernel/security/lsm %s",
			  mounted ? "absent (kernel before 4.15)" : "absent: securityfs is not mounted");
		return;
	}
	static const char *const mac[] = { "selinux", "apparmor", "smack", "tomoyo" };
	const char *found = NULL;
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(mac); i++) {
		size_t n = strlen(mac[i]);
		for (const char *p = s; (p = strstr(p, mac[i])); p += n)
			if ((p == s || p[-1] == ',') && (p[n] == ',' || !p[n]))
				found = mac[i];
	}
	if (found)
		audit_add(c, "isolation.lsm", G, MOAT_AUDIT_OK, NULL,
			  "active LSMs: %s (mandatory access control: %s)", s, found);
	else
		audit_add(c, "isolation.lsm", G, MOAT_AUDIT_WARN,
			  "enable AppArmor or SELinux (boot with lsm=...,apparmor or security=selinux)",
			  "active LSMs: %s; none enforces mandatory access control", s);
}

/* Boot parameters that weaken memory protection or address randomization. */
static const char *const weakening[] = {
	"nokaslr", "nosmap", "nosmep", "norandmaps", "vsyscall=native", "vsyscall=emulate",
	"hardened_usercopy=off", "rodata=off", "iommu.passthrough=1", "iommu=pt", "slab_merge",
	"init_on_free=0", "lockdown=none", "module.sig_enforce=0", "debugfs=on", "randomize_kstack_offset=0",
};

static void check_boot_params(struct audit_ctx *c)
{
	static const struct audit_cmdline_check k = {
		"isolation.boot_params", G, MOAT_AUDIT_WARN, weakening, MOAT_ARRAY_SIZE(weakening),
		"weakens kernel memory protection", "weaken kernel memory protection",
		"weakens kernel memory protection",
	};
	audit_check_cmdline(c, &k);
}

void audit_isolation(struct audit_ctx *c)
{
	check_seccomp(c);
	check_userns(c);
	check_lsm(c);
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(knobs); i++)
		check_knob(c, &knobs[i]);
	check_boot_params(c);
}
