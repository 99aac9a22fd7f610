/*
 * The auditor over fixture trees: every check with good, bad and unreadable
 * values (a directory where a file should be reads as EISDIR), absent files
 * that mean "compiled out", the vulnerability-string and mountinfo parsers,
 * hidden processes and modules, and the text and JSON reports.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <moat/audit.h>

#include "audit/audit_internal.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char root[256];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void mkdirs(char *path)
{
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
}

/* Creates rel under root with content; "<dir>" makes a directory (reads fail with EISDIR). */
static void put(const char *rel, const char *content)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdirs(path);
	if (!strcmp(content, "<dir>")) {
		mkdir(path, 0755);
		return;
	}
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

/* A new tree from "rel=content|rel=content"; content may hold newlines. */
static void tree(const char *spec)
{
	snprintf(root, sizeof(root), "/tmp/moat-audit-test-XXXXXX");
	if (!mkdtemp(root))
		abort();
	char *s = strdup(spec), *save = NULL;
	for (char *p = s, *e; (e = strtok_r(p, "|", &save)); p = NULL) {
		char *eq = strchr(e, '=');
		if (!eq)
			continue;
		*eq = 0;
		put(e, eq + 1);
	}
	free(s);
}

static void untree(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct moat_audit_report *run_tree(void)
{
	MOAT_OPTS(moat_audit_opts, o, .root = root);
	struct moat_error err;
	struct moat_audit_report *r = moat_audit_run(&o, &err);
	if (!r)
		diag("audit failed: %s", err.msg);
	return r;
}

struct fxcase {
	const char *desc, *files, *id;
	enum moat_audit_verdict want;
	const char *evidence; /* a substring the evidence must hold */
};

#define OK MOAT_AUDIT_OK
#define WARN MOAT_AUDIT_WARN
#define RISK MOAT_AUDIT_RISK
#define INFO MOAT_AUDIT_INFO

#define NOMOD "proc/config.gz=# CONFIG_MODULES is not set\n"
#define SYSK "proc/sys/kernel/"
#define VULN "sys/devices/system/cpu/vulnerabilities/"
#define LOCK(m) "sys/kernel/security/lsm=lockdown,capability|sys/kernel/security/lockdown=" m

static const struct fxcase cases[] = {
	/* kernel code loading */
	{ "no module support is ok, not a failure", NOMOD, "modules.loaded", OK, "no loadable module support" },
	{ "no proc/modules and no config still means no modules", "proc/sys/kernel/tainted=0", "modules.disabled", OK, "nothing to disable" },
	{ "loaded modules are listed", "proc/modules=ext4 1000 1 - Live 0x0\nfuse 200 0 - Live 0x0\n", "modules.loaded", INFO, "2 modules loaded" },
	{ "modules_disabled=1", "proc/modules=|" SYSK "modules_disabled=1", "modules.disabled", OK, "until reboot" },
	{ "modules_disabled=0, unsigned allowed", "proc/modules=|" SYSK "modules_disabled=0|sys/module/module/parameters/sig_enforce=N", "modules.disabled", RISK, "any module" },
	{ "modules_disabled=0, signed only", "proc/modules=|" SYSK "modules_disabled=0|sys/module/module/parameters/sig_enforce=Y", "modules.disabled", WARN, "signed modules" },
	{ "modules_disabled unreadable", "proc/modules=|" SYSK "modules_disabled=<dir>", "modules.disabled", WARN, "unreadable" },
	{ "modules_disabled malformed", "proc/modules=|" SYSK "modules_disabled=yes", "modules.disabled", WARN, "malformed" },
	{ "sig_enforce=Y", "proc/modules=|sys/module/module/parameters/sig_enforce=Y", "modules.signatures", OK, "sig_enforce=Y" },
	{ "sig_enforce=N", "proc/modules=|sys/module/module/parameters/sig_enforce=N", "modules.signatures", RISK, "unsigned modules load" },
	{ "sig_enforce=N under lockdown", "proc/modules=|sys/module/module/parameters/sig_enforce=N|" LOCK("none [integrity] confidentiality"), "modules.signatures", OK, "lockdown requires" },
	{ "lockdown integrity", LOCK("none [integrity] confidentiality"), "modules.lockdown", OK, "lockdown=integrity" },
	{ "lockdown confidentiality", LOCK("none integrity [confidentiality]"), "modules.lockdown", OK, "nor read its memory" },
	{ "lockdown none", LOCK("[none] integrity confidentiality"), "modules.lockdown", WARN, "lockdown=none" },
	{ "lockdown forced at build time is said", LOCK("none [integrity] confidentiality") "|proc/config.gz=CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y\n", "modules.lockdown", OK, "forced at build time" },
	{ "no lockdown LSM", "sys/kernel/security/lsm=capability", "modules.lockdown", WARN, "not in this kernel" },
	{ "securityfs not mounted", "sys/kernel/security=<dir>", "modules.lockdown", WARN, "not mounted" },
	{ "lockdown unreadable", "sys/kernel/security/lsm=lockdown|sys/kernel/security/lockdown=<dir>", "modules.lockdown", WARN, "" },
	{ "kexec compiled out", "proc/config.gz=# CONFIG_KEXEC_CORE is not set\n", "modules.kexec", OK, "kexec compiled out" },
	{ "kexec_load_disabled=1", SYSK "kexec_load_disabled=1", "modules.kexec", OK, "kexec is off" },
	{ "kexec_load_disabled=0", SYSK "kexec_load_disabled=0", "modules.kexec", RISK, "replace the running kernel" },
	{ "kexec_load_disabled=0 under lockdown", SYSK "kexec_load_disabled=0|" LOCK("none [integrity] confidentiality"), "modules.kexec", WARN, "signed image" },
	{ "kexec_load_disabled unreadable", SYSK "kexec_load_disabled=<dir>", "modules.kexec", WARN, "unreadable" },
	{ "untainted", SYSK "tainted=0", "modules.tainted", OK, "no foreign code" },
	{ "unsigned module taint", SYSK "tainted=8192", "modules.tainted", RISK, "tainted=8192" },
	{ "out-of-tree module taint", SYSK "tainted=4096", "modules.tainted", WARN, "" },
	/* eBPF */
	{ "unprivileged bpf allowed", SYSK "unprivileged_bpf_disabled=0", "bpf.unprivileged", RISK, "any user" },
	{ "unprivileged bpf locked off", SYSK "unprivileged_bpf_disabled=1", "bpf.unprivileged", OK, "locked until reboot" },
	{ "unprivileged_bpf_disabled=2 is safe", SYSK "unprivileged_bpf_disabled=2", "bpf.unprivileged", OK, "root may change it" },
	{ "no bpf syscall", "proc/sys=<dir>", "bpf.unprivileged", OK, "no bpf(2)" },
	{ "unknown unprivileged_bpf_disabled value", SYSK "unprivileged_bpf_disabled=7", "bpf.unprivileged", WARN, "does not define" },
	{ "unprivileged_bpf_disabled unreadable", SYSK "unprivileged_bpf_disabled=<dir>", "bpf.unprivileged", WARN, "unreadable" },
	{ "JIT on", "proc/sys/net/core/bpf_jit_enable=1", "bpf.jit", OK, "JIT-compiled" },
	{ "JIT off", "proc/sys/net/core/bpf_jit_enable=0", "bpf.jit", WARN, "interpreter" },
	{ "JIT debug", "proc/sys/net/core/bpf_jit_enable=2", "bpf.jit", RISK, "kernel log" },
	{ "JIT hardened", "proc/sys/net/core/bpf_jit_harden=2", "bpf.jit_harden", OK, "every program" },
	{ "JIT hardened for unprivileged only", "proc/sys/net/core/bpf_jit_harden=1", "bpf.jit_harden", WARN, "only in unprivileged" },
	{ "JIT not hardened", "proc/sys/net/core/bpf_jit_harden=0", "bpf.jit_harden", WARN, "in no program" },
	{ "BPF objects are not examined with --root", "", "bpf.programs", INFO, "not examined" },
	/* CPU */
	{ "not affected", VULN "meltdown=Not affected", "cpu.meltdown", OK, "\"Not affected\"" },
	{ "mitigated", VULN "meltdown=Mitigation: PTI", "cpu.meltdown", OK, "Meltdown" },
	{ "vulnerable", VULN "spec_store_bypass=Vulnerable", "cpu.spec_store_bypass", RISK, "Spectre v4" },
	{ "mitigated but SMT vulnerable", VULN "mds=Mitigation: Clear CPU buffers; SMT vulnerable", "cpu.mds", WARN, "SMT vulnerable" },
	{ "unknown state", VULN "l1tf=Unknown: no way to tell", "cpu.l1tf", WARN, "Unknown" },
	{ "a vulnerability moat does not know", VULN "zenbleed2=Mitigation: something", "cpu.zenbleed2", OK, "does not know" },
	{ "vulnerability file unreadable", VULN "retbleed=<dir>", "cpu.retbleed", WARN, "unreadable" },
	{ "no vulnerabilities directory", "sys=<dir>", "cpu.vulnerabilities", WARN, "absent" },
	{ "SMT on with an SMT-exposed vulnerability", VULN "mds=Mitigation: Clear CPU buffers; SMT vulnerable|sys/devices/system/cpu/smt/control=on|sys/devices/system/cpu/smt/active=1", "cpu.smt", RISK, "unmitigated" },
	{ "SMT on, nothing exposed", VULN "mds=Not affected|sys/devices/system/cpu/smt/control=on", "cpu.smt", WARN, "shares caches" },
	{ "SMT off", "sys/devices/system/cpu/smt/control=off", "cpu.smt", OK, "one thread per core" },
	{ "SMT not supported", "sys/devices/system/cpu/smt/control=notsupported", "cpu.smt", OK, "notsupported" },
	{ "SMT control absent", "sys=<dir>", "cpu.smt", INFO, "CONFIG_HOTPLUG_SMT" },
	{ "mitigations=off", "proc/cmdline=ro mitigations=off nopti quiet", "cpu.boot_params", RISK, "2 boot parameters" },
	{ "mitigations=auto", "proc/cmdline=ro mitigations=auto,nosmt quiet", "cpu.boot_params", OK, "no boot parameter" },
	/* isolation */
	{ "seccomp", SYSK "seccomp/actions_avail=kill_process allow", "isolation.seccomp", OK, "kill_process" },
	{ "no seccomp", "proc/config.gz=# CONFIG_SECCOMP_FILTER is not set\n", "isolation.seccomp", WARN, "CONFIG_SECCOMP_FILTER is not set" },
	{ "seccomp unreadable", SYSK "seccomp/actions_avail=<dir>", "isolation.seccomp", WARN, "unreadable" },
	{ "user namespaces open", "proc/sys/user/max_user_namespaces=1000", "isolation.userns", WARN, "unprivileged users" },
	{ "user namespaces off", "proc/sys/user/max_user_namespaces=0", "isolation.userns", OK, "nobody" },
	{ "Debian's userns switch off", "proc/sys/user/max_user_namespaces=1000|" SYSK "unprivileged_userns_clone=0", "isolation.userns", OK, "privileged users" },
	{ "AppArmor confines userns", "proc/sys/user/max_user_namespaces=1000|" SYSK "apparmor_restrict_unprivileged_userns=1", "isolation.userns", OK, "AppArmor" },
	{ "no user namespaces", "proc=<dir>", "isolation.userns", OK, "no user namespaces" },
	{ "MAC LSM active", "sys/kernel/security/lsm=lockdown,capability,yama,apparmor", "isolation.lsm", OK, "apparmor" },
	{ "no MAC LSM", "sys/kernel/security/lsm=lockdown,capability,landlock,bpf", "isolation.lsm", WARN, "none enforces" },
	{ "a name inside another LSM's is no match", "sys/kernel/security/lsm=notselinux", "isolation.lsm", WARN, "none enforces" },
	{ "LSM list unknown", "sys=<dir>", "isolation.lsm", WARN, "not mounted" },
	{ "ptrace_scope=1", SYSK "yama/ptrace_scope=1", "isolation.ptrace_scope", OK, "=1" },
	{ "ptrace_scope=0", SYSK "yama/ptrace_scope=0", "isolation.ptrace_scope", WARN, "any other" },
	{ "no Yama", "proc=<dir>", "isolation.ptrace_scope", WARN, "Yama is not in this kernel" },
	{ "kptr_restrict=0", SYSK "kptr_restrict=0", "isolation.kptr_restrict", WARN, "KASLR" },
	{ "kptr_restrict=2", SYSK "kptr_restrict=2", "isolation.kptr_restrict", OK, "=2" },
	{ "kptr_restrict unreadable", SYSK "kptr_restrict=<dir>", "isolation.kptr_restrict", WARN, "unreadable" },
	{ "dmesg_restrict=0", SYSK "dmesg_restrict=0", "isolation.dmesg_restrict", WARN, "kernel log" },
	{ "dmesg_restrict=1", SYSK "dmesg_restrict=1", "isolation.dmesg_restrict", OK, "" },
	{ "perf_event_paranoid=-1", SYSK "perf_event_paranoid=-1", "isolation.perf_event_paranoid", WARN, "profile" },
	{ "perf_event_paranoid=3", SYSK "perf_event_paranoid=3", "isolation.perf_event_paranoid", OK, "=3" },
	{ "no perf events", "proc=<dir>", "isolation.perf_event_paranoid", OK, "no perf events" },
	{ "io_uring open", SYSK "io_uring_disabled=0", "isolation.io_uring", WARN, "io_uring" },
	{ "weakening boot parameters", "proc/cmdline=nokaslr nosmap root=/dev/vda", "isolation.boot_params", WARN, "2 boot parameters" },
	/* hiding */
	{ "a mount over /proc/PID", "proc/self/mountinfo=22 1 0:21 / /proc rw - proc proc rw\n99 22 0:50 / /proc/4242 rw - tmpfs t rw\n", "hiding.proc_mounts", RISK, "1 mount" },
	{ "no mount over /proc/PID", "proc/self/mountinfo=22 1 0:21 / /proc rw - proc proc rw\n23 22 0:5 / /proc/sys/fs/binfmt_misc rw - binfmt_misc b rw\n", "hiding.proc_mounts", OK, "nothing is mounted" },
	{ "mountinfo unreadable", "proc/self/mountinfo=<dir>", "hiding.proc_mounts", INFO, "unreadable" },
	{ "task list not examined with --root", "", "hiding.processes", INFO, "not examined" },
	{ "BPF programs vs kallsyms not examined with --root", "", "hiding.bpf_programs", INFO, "not examined" },
	{ "a module hidden from /proc/modules (sysfs)", "proc/modules=ext4 1 0 - Live 0x0\n|sys/module/ext4/initstate=live|sys/module/evil/initstate=live|sys/module/printk/parameters=<dir>", "hiding.modules", RISK, "1 module" },
	{ "a module hidden from /proc/modules (kallsyms)", "proc/modules=ext4 1 0 - Live 0x0\n|proc/kallsyms=0 T a [ext4]\n0 T b [rk]\n0 T c [rk]\n0 t d [bpf]\n0 t e [__builtin__ftrace]\n", "hiding.modules", RISK, "1 module" },
	{ "modules on a kernel without module support", "proc/kallsyms=0 T a\n0 T b [rk]\n", "hiding.modules", RISK, "shows none" },
	{ "every module listed", "proc/modules=ext4 1 0 - Live 0x0\n|sys/module/ext4/initstate=live|proc/kallsyms=0 T a [ext4]\n", "hiding.modules", OK, "every module" },
	{ "built-in modules in /sys/module are not loadable ones", "sys/module/printk/parameters/x=1|proc/kallsyms=0 T a\n", "hiding.modules", OK, "none found" },
	/* the kernel's build configuration */
	{ "no configuration anywhere: one info line", "", "kconfig.available", INFO, "build checks not performed" },
	{ "a protection that is built in", "proc/config.gz=CONFIG_STRICT_KERNEL_RWX=y\n", "kconfig.strict_kernel_rwx", OK, "CONFIG_STRICT_KERNEL_RWX=y" },
	{ "a missing protection is a risk with the fix", "proc/config.gz=# CONFIG_RANDOMIZE_BASE is not set\n", "kconfig.kaslr", RISK, "missing: the kernel is loaded at a random address" },
	{ "the older name of an option counts", "proc/config.gz=CONFIG_PAGE_TABLE_ISOLATION=y\n", "kconfig.pti", OK, "CONFIG_PAGE_TABLE_ISOLATION=y" },
	{ "neither name: both are said", "proc/config.gz=CONFIG_X=y\n", "kconfig.retpoline", RISK, "(nor CONFIG_RETPOLINE=y)" },
	{ "a boot parameter gives the protection", "proc/config.gz=CONFIG_X=y\n|proc/cmdline=quiet init_on_alloc=1", "kconfig.init_on_alloc", OK, "boot parameter init_on_alloc=1" },
	{ "a boot parameter removes the surface", "proc/config.gz=CONFIG_IA32_EMULATION=y\n|proc/cmdline=ia32_emulation=0", "kconfig.ia32_emulation", OK, "boot parameter ia32_emulation=0" },
	{ "surface compiled in", "proc/config.gz=CONFIG_PROC_KCORE=y\n", "kconfig.proc_kcore", WARN, "compiled in: /proc/kcore" },
	{ "surface compiled out", "proc/config.gz=# CONFIG_PROC_KCORE is not set\n", "kconfig.proc_kcore", OK, "compiled out" },
	{ "/dev/mem confined by IO_STRICT_DEVMEM", "proc/config.gz=CONFIG_DEVMEM=y\nCONFIG_IO_STRICT_DEVMEM=y\n", "kconfig.devmem", OK, "CONFIG_IO_STRICT_DEVMEM=y" },
	{ "/dev/mem unconfined", "proc/config.gz=CONFIG_DEVMEM=y\nCONFIG_STRICT_DEVMEM=y\n", "kconfig.devmem", RISK, "compiled in: /dev/mem" },
	{ "module options do not apply without modules", NOMOD, "kconfig.module_sig", OK, "does not apply" },
	{ "module options apply with modules", "proc/config.gz=CONFIG_MODULES=y\n", "kconfig.module_sig", WARN, "missing: module signatures" },
	{ "boot/config-RELEASE when proc/config.gz is absent", SYSK "osrelease=6.1.0-test|boot/config-6.1.0-test=CONFIG_VMAP_STACK=y\n", "kconfig.vmap_stack", OK, "CONFIG_VMAP_STACK=y" },
	{ "a release with a slash reads no file", SYSK "osrelease=../x|boot/config-../x=CONFIG_VMAP_STACK=y\n", "kconfig.available", INFO, "unavailable" },
};

static void run_cases(void)
{
	for (size_t i = 0; i < N(cases); i++) {
		const struct fxcase *k = &cases[i];
		tree(k->files);
		struct moat_audit_report *r = run_tree();
		const struct moat_audit_check *c = moat_audit_find(r, k->id);
		bool good = c && c->verdict == k->want && strstr(c->evidence, k->evidence);
		ok(good, "%s: %s is %s", k->desc, k->id, moat_audit_verdict_name(k->want));
		if (!good)
			diag("got %s: %s", c ? moat_audit_verdict_name(c->verdict) : "(no such check)",
			     c ? c->evidence : "");
		moat_audit_report_free(r);
		untree();
	}
}

static void test_classify(void)
{
	is_int(audit_vuln_classify("Not affected"), AUDIT_VULN_NOT_AFFECTED, "Not affected");
	is_int(audit_vuln_classify("Mitigation: PTI"), AUDIT_VULN_MITIGATED, "Mitigation");
	is_int(audit_vuln_classify("KVM: Mitigation: VMX disabled"), AUDIT_VULN_MITIGATED, "KVM: Mitigation");
	is_int(audit_vuln_classify("Mitigation: Retpolines; STIBP: disabled; RSB filling"), AUDIT_VULN_PARTIAL,
	       "STIBP disabled is partial");
	is_int(audit_vuln_classify("Vulnerable: Safe RET, no microcode"), AUDIT_VULN_VULNERABLE, "Vulnerable: ...");
	is_int(audit_vuln_classify("Processor vulnerable"), AUDIT_VULN_VULNERABLE, "Processor vulnerable");
	is_int(audit_vuln_classify("Unknown: Dependent on hypervisor status"), AUDIT_VULN_UNKNOWN, "Unknown");
	is_int(audit_vuln_classify(""), AUDIT_VULN_UNKNOWN, "empty");
	ok(audit_cmdline_has("ro nopti quiet", "nopti"), "cmdline word");
	ok(!audit_cmdline_has("ro xnopti quiet", "nopti"), "cmdline word inside another is no match");
	ok(audit_cmdline_has("mitigations=off", "mitigations=off"), "cmdline key=value");
	ok(!audit_cmdline_has("mitigations=off,nosmt", "mitigations=off"), "cmdline value prefix is no match");
	ok(audit_config_lookup("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\n", "A") == 'y', "config y");
	ok(audit_config_lookup("CONFIG_A=y\n# CONFIG_B is not set\n", "B") == 'n', "config not set");
	ok(audit_config_lookup("CONFIG_AB=y\n", "A") == 'n', "config prefix is no match");
	ok(audit_config_lookup("CONFIG_C=m", "C") == 'm', "config m at end without newline");
}

static int mount_pid;
static void note_mount(int pid, const char *mnt, void *arg)
{
	mount_pid = pid;
	strcpy(arg, mnt);
}

static void test_parsers(void)
{
	char mnt[256] = "";
	is_u64(audit_proc_pid_mounts("1 2 0:1 / /proc/12/task rw - x y z\n", note_mount, mnt), 1, "/proc/PID/task counts");
	is_int(mount_pid, 12, "its pid");
	is_u64(audit_proc_pid_mounts("1 2 0:1 / /proc/self rw\n1 2 0:1 / /proc/12x rw\n1 2 0:1 / /proc/ rw\n", NULL, NULL), 0,
	       "/proc/self, /proc/12x and /proc/ do not");
	is_u64(audit_proc_pid_mounts("1 2 0:1 / /proc/77\\040x rw\n1 2 0:1 / /proc/78 rw", note_mount, mnt), 1,
	       "escaped names unescaped; a last line without newline");
	is_str(mnt, "/proc/78", "last mount point");
	is_u64(audit_proc_pid_mounts("garbage\n\n\n", NULL, NULL), 0, "garbage lines are skipped");
	is_u64(audit_kallsyms_modules("0 T a [m1]\n0 T b [m1]\n0 T c [m2]\n0 T d [m1]\n0 T e []\n0 T f [", NULL, NULL), 3,
	       "kallsyms modules: runs counted once each, empty and unterminated skipped");
}

/* The kernel's task list is compared with /proc; pid 1 missing from the iterator is an exception said aloud. */
static void test_hidden_tasks(void)
{
	tree("proc/1/stat=1 (init) S 0|proc/100/stat=100 (sleep) S 1|proc/200=<dir>|proc/300/stat=301 (liar) S 1");
	static const int tgids[] = { 100, 200, 300, 400 };
	MOAT_OPTS(moat_audit_opts, o, .root = root, .tgids = tgids, .ntgids = N(tgids), .have_tgids = true);
	struct moat_audit_report *r = moat_audit_run(&o, NULL);
	const struct moat_audit_check *c = moat_audit_find(r, "hiding.processes");
	ok(c && c->verdict == MOAT_AUDIT_RISK, "hidden processes are a risk");
	ok(c && strstr(c->evidence, "3 processes"), "three hidden: %s", c ? c->evidence : "");
	bool p200 = false, p300 = false, p400 = false, p1 = false, p100 = false;
	for (size_t i = 0; c && i < c->nitems; i++) {
		const char *s = c->items[i];
		p100 |= !strncmp(s, "pid 100:", 8);
		p200 |= !strncmp(s, "pid 200: hidden", 15) && strstr(s, "still listed by readdir");
		p300 |= !strncmp(s, "pid 300: hidden", 15) && strstr(s, "another process");
		p400 |= !strncmp(s, "pid 400: hidden", 15) && strstr(s, "not even listed");
		p1 |= !strncmp(s, "pid 1: known exception", 22);
	}
	ok(p200, "a /proc/PID without its files (mounted over) hides it");
	ok(p300, "a /proc/PID showing another process hides it");
	ok(p400, "a pid missing from /proc entirely is hidden");
	ok(p1, "pid 1 missing from the task list is named as a known exception");
	ok(!p100, "a visible process is not listed");
	moat_audit_report_free(r);
	static const int all[] = { 1, 100 };
	struct moat_audit_opts o2 = o;
	o2.tgids = all;
	o2.ntgids = N(all);
	untree();
	tree("proc/1/stat=1 (init) S 0|proc/100/stat=100 (sleep) S 1");
	o2.root = root;
	r = moat_audit_run(&o2, NULL);
	c = moat_audit_find(r, "hiding.processes");
	ok(c && c->verdict == MOAT_AUDIT_OK && c->nitems == 0, "every task visible: ok, nothing listed");
	moat_audit_report_free(r);
	untree();
	tree("proc/self/status=Name:\tx\nNSpid:\t40\t2\n|proc/100/stat=100 (x) S 1");
	o2.root = root;
	r = moat_audit_run(&o2, NULL);
	c = moat_audit_find(r, "hiding.processes");
	ok(c && c->verdict == MOAT_AUDIT_INFO && strstr(c->evidence, "child pid namespace"),
	   "in a child pid namespace the lists are not compared");
	moat_audit_report_free(r);
	untree();
}

/* A JIT-compiled function in kallsyms that no listed program owns is a hidden program. */
static void test_hidden_bpf(void)
{
	uint64_t ks7[] = { 0xffffffffc0001000ull, 0xffffffffc0002000ull };
	struct moat_kobj objs[1] = {
		{ .kind = MOAT_KOBJ_PROG, .id = 7, .type = "xdp", .name = "fw", .ksyms = ks7, .nksyms = 2 },
	};
	struct moat_kinv inv = { .n = 1, .objs = objs };
	tree("proc/kallsyms=ffffffffc0001000 t bpf_prog_6cb8d9f47d57bddc_fw\t[bpf]\n"
	     "ffffffffc0002000 t bpf_prog_736896f861669f68_add3\t[bpf]\n"
	     "ffffffffc0000000 t bpf_dispatcher_xdp\t[bpf]\n"
	     "ffffffffc0009000 t bpf_prog_0123456789abcdef_evil\t[bpf]\n"
	     "ffffffff81000000 T _stext\n");
	MOAT_OPTS(moat_audit_opts, o, .root = root, .inventory = &inv);
	struct moat_audit_report *r = moat_audit_run(&o, NULL);
	const struct moat_audit_check *c = moat_audit_find(r, "hiding.bpf_programs");
	ok(c && c->verdict == MOAT_AUDIT_RISK && c->nitems == 1 &&
		   !strcmp(c->items[0], "bpf_prog_0123456789abcdef_evil at 0xffffffffc0009000: hidden from bpf(2)"),
	   "a JIT-compiled program no listed program owns is hidden: %s", c && c->nitems ? c->items[0] : "");
	moat_audit_report_free(r);
	untree();
	tree("proc/kallsyms=ffffffffc0001000 t bpf_prog_6cb8d9f47d57bddc_fw\t[bpf]\n"
	     "ffffffffc0002000 t bpf_prog_736896f861669f68_add3\t[bpf]\n");
	o.root = root;
	r = moat_audit_run(&o, NULL);
	c = moat_audit_find(r, "hiding.bpf_programs");
	ok(c && c->verdict == MOAT_AUDIT_OK && strstr(c->evidence, "each of the 2"),
	   "main function and subprogram both owned: ok");
	moat_audit_report_free(r);
	untree();
	tree("proc/kallsyms=0000000000000000 t bpf_prog_6cb8d9f47d57bddc_fw\t[bpf]\n");
	o.root = root;
	r = moat_audit_run(&o, NULL);
	c = moat_audit_find(r, "hiding.bpf_programs");
	ok(c && c->verdict == MOAT_AUDIT_INFO && strstr(c->evidence, "hides addresses"),
	   "addresses hidden by kptr_restrict: info, not a false alarm");
	moat_audit_report_free(r);
	untree();
	uint64_t zero[1] = { 0 };
	objs[0].ksyms = zero;
	objs[0].nksyms = 1;
	tree("proc/kallsyms=ffffffffc0001000 t bpf_prog_6cb8d9f47d57bddc_fw\t[bpf]\n");
	o.root = root;
	r = moat_audit_run(&o, NULL);
	c = moat_audit_find(r, "hiding.bpf_programs");
	ok(c && c->verdict == MOAT_AUDIT_INFO && strstr(c->evidence, "bpf(2) hides addresses"),
	   "addresses zeroed by bpf(2) only: info, not a false alarm");
	moat_audit_report_free(r);
	untree();
	is_u64(audit_kallsyms_bpf("1 t bpf_prog_a_b [bpf]\n2 t bpf_trampoline_1 [bpf]\n3 t bpf_prog_c [mod]\nzz\n", NULL, NULL),
	       1, "kallsyms: only bpf_prog_ symbols of [bpf] count");
}

static void test_inventory(void)
{
	struct moat_kobj objs[4] = {
		{ .kind = MOAT_KOBJ_PROG, .id = 7, .type = "kprobe", .name = "hideme", .attach = "tag 00", .nowners = 1,
		  .all_owners = 1, .owners = { { .pid = 4321, .fd = 5, .comm = "loader" } } },
		{ .kind = MOAT_KOBJ_PROG, .id = 8, .type = "socket_filter", .attach = "tag 01" },
		{ .kind = MOAT_KOBJ_MAP, .id = 3, .type = "hash", .name = "m", .attach = "key 4 value 8 max_entries 1" },
		{ .kind = MOAT_KOBJ_LINK, .id = 5, .type = "raw_tracepoint", .prog_id = 8,
		  .attach = "prog 8, raw tracepoint sched_switch" },
	};
	struct moat_kinv inv = { .n = N(objs), .objs = objs };
	tree("");
	MOAT_OPTS(moat_audit_opts, o, .root = root, .inventory = &inv);
	struct moat_audit_report *r = moat_audit_run(&o, NULL);
	const struct moat_audit_check *c = moat_audit_find(r, "bpf.programs");
	ok(c && c->verdict == MOAT_AUDIT_WARN && strstr(c->evidence, "2 programs loaded, 1 of a type"),
	   "a kprobe program is a warning: %s", c ? c->evidence : "");
	ok(c && c->nitems == 2 && strstr(c->items[0], "prog 7 kprobe 'hideme'") &&
		   strstr(c->items[0], "held by 4321 (loader) fd 5"),
	   "each program with its holder: %s", c && c->nitems ? c->items[0] : "");
	ok(c && c->nitems == 2 && strstr(c->items[1], "no process holds it; attached through link 5 (raw tracepoint sched_switch)"),
	   "a program no process holds is said, with the link that attaches it: %s", c && c->nitems > 1 ? c->items[1] : "");
	c = moat_audit_find(r, "bpf.maps");
	ok(c && c->verdict == MOAT_AUDIT_INFO && c->nitems == 1 && strstr(c->items[0], "map 3 hash 'm'"), "maps listed");
	c = moat_audit_find(r, "bpf.links");
	ok(c && c->verdict == MOAT_AUDIT_INFO && strstr(c->evidence, "1 link in") && c->nitems == 1 &&
		   strstr(c->items[0], "link 5 raw_tracepoint prog 8, raw tracepoint sched_switch"),
	   "links listed with their program and attach point");
	moat_audit_report_free(r);
	untree();
}

static void test_report(void)
{
	tree("proc/cmdline=mitigations=off|" SYSK "unprivileged_bpf_disabled=2");
	struct moat_audit_report *r = run_tree();
	ok(moat_audit_count(r) >= 35, "every check reports (%zu)", moat_audit_count(r));
	is_int(moat_audit_worst(r), MOAT_AUDIT_RISK, "worst verdict");
	char *t = moat_audit_render(r, false, NULL);
	ok(t && strstr(t, "[cpu]\n") && strstr(t, "risk  cpu.boot_params") && strstr(t, "fix: remove these boot parameters"),
	   "text report: groups, verdict, id, fix");
	ok(t && strstr(t, "checks: ") && strstr(t, " risk, "), "text report summary line");
	free(t);
	char *j = moat_audit_render(r, true, NULL);
	ok(j && !strncmp(j, "{\"root\":\"", 9) && strstr(j, "\"worst\":\"risk\"") &&
		   strstr(j, "{\"id\":\"bpf.unprivileged\",\"group\":\"bpf\",\"verdict\":\"ok\""),
	   "JSON report");
	free(j);
	for (size_t i = 0; i < moat_audit_count(r); i++) {
		const struct moat_audit_check *c = moat_audit_check_at(r, i);
		if (c->verdict >= MOAT_AUDIT_WARN && !*c->remedy && strncmp(c->id, "cpu.", 4))
			ok(0, "%s (%s) has a remedy", c->id, moat_audit_verdict_name(c->verdict));
	}
	ok(moat_audit_check_at(r, 100000) == NULL, "check_at out of range");
	moat_audit_report_free(r);
	untree();
	struct moat_error err;
	MOAT_OPTS(moat_audit_opts, o, .root = "/nonexistent/moat-root");
	ok(!moat_audit_run(&o, &err) && err.errnum == ENOENT && strstr(err.msg, "/nonexistent/moat-root"),
	   "a missing root fails: %s", err.msg);
	o.root = "/etc/hostname";
	ok(!moat_audit_run(&o, &err) && err.errnum == ENOTDIR, "a file as root fails: %s", err.msg);
	enum moat_audit_verdict v;
	ok(moat_audit_verdict_parse("warn", &v, NULL) == 0 && v == MOAT_AUDIT_WARN, "verdict parse");
	ok(moat_audit_verdict_parse("bad", &v, &err) == -EINVAL && strstr(err.msg, "'bad'"), "verdict parse error");
}

int main(void)
{
	run_cases();
	test_classify();
	test_parsers();
	test_hidden_tasks();
	test_inventory();
	test_hidden_bpf();
	test_report();
	return tap_done();
}
