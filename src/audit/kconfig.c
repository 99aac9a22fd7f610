/*
 * The kernel's build configuration: the self-protection features a kernel
 * either has or lacks from the day it was built (kernel-hardening-checker's
 * kconfig checks are the model, kept to the options that change what an
 * attacker can do on x86-64), and the attack surface compiled in.  Read from
 * proc/config.gz, or boot/config-RELEASE when the kernel does not export it.
 * An option a kernel does not have under either name counts as not set;
 * options about modules do not apply to a kernel without module support.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"

#define G "kconfig"

struct kopt {
	const char *id;
	const char *opt, *alt; /* the option; alt: another name, or an option that also satisfies it */
	char want;             /* 'y': must be set, 'n': must not be set */
	enum moat_audit_verdict bad;
	const char *needs;     /* only applies when this option is set (e.g. MODULES) */
	const char *cmdline;   /* a boot parameter that gives the same protection */
	const char *what;      /* what the protection does, or what the surface is */
};

static const struct kopt kopts[] = {
	/* self-protection */
	{ "kconfig.strict_kernel_rwx", "STRICT_KERNEL_RWX", NULL, 'y', MOAT_AUDIT_RISK, NULL, NULL,
	  "kernel code and read-only data are mapped read-only and not executable" },
	{ "kconfig.strict_module_rwx", "STRICT_MODULE_RWX", NULL, 'y', MOAT_AUDIT_WARN, "MODULES", NULL,
	  "module code and data are mapped with the same rules" },
	{ "kconfig.kaslr", "RANDOMIZE_BASE", NULL, 'y', MOAT_AUDIT_RISK, NULL, NULL,
	  "the kernel is loaded at a random address (KASLR)" },
	{ "kconfig.randomize_memory", "RANDOMIZE_MEMORY", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "the kernel's direct map, vmalloc and vmemmap regions are randomized" },
	{ "kconfig.stackprotector", "STACKPROTECTOR_STRONG", NULL, 'y', MOAT_AUDIT_RISK, NULL, NULL,
	  "functions with local arrays or address-taken locals get stack canaries" },
	{ "kconfig.vmap_stack", "VMAP_STACK", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "kernel stacks have guard pages, so an overflow faults instead of overwriting" },
	{ "kconfig.randomize_kstack", "RANDOMIZE_KSTACK_OFFSET_DEFAULT", NULL, 'y', MOAT_AUDIT_WARN, NULL,
	  "randomize_kstack_offset=1", "the kernel stack offset changes on every system call" },
	{ "kconfig.hardened_usercopy", "HARDENED_USERCOPY", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "copies between kernel objects and user space are checked against the object's bounds" },
	{ "kconfig.fortify_source", "FORTIFY_SOURCE", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "string and memory functions with known sizes are bounds-checked" },
	{ "kconfig.slab_freelist_hardened", "SLAB_FREELIST_HARDENED", NULL, 'y', MOAT_AUDIT_WARN, NULL,
	  NULL, "slab freelist pointers are obfuscated and checked" },
	{ "kconfig.slab_freelist_random", "SLAB_FREELIST_RANDOM", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "the order of free slab objects is random" },
	{ "kconfig.shuffle_page_allocator", "SHUFFLE_PAGE_ALLOCATOR", NULL, 'y', MOAT_AUDIT_WARN, NULL,
	  "page_alloc.shuffle=1", "the page allocator's free lists are shuffled" },
	{ "kconfig.init_on_alloc", "INIT_ON_ALLOC_DEFAULT_ON", NULL, 'y', MOAT_AUDIT_WARN, NULL,
	  "init_on_alloc=1", "heap and page allocations are zeroed, so stale data cannot leak" },
	{ "kconfig.init_stack", "INIT_STACK_ALL_ZERO", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "uninitialized stack variables are zero" },
	{ "kconfig.list_hardened", "LIST_HARDENED", "DEBUG_LIST", 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "linked-list updates are checked for corruption" },
	{ "kconfig.bug_on_data_corruption", "BUG_ON_DATA_CORRUPTION", NULL, 'y', MOAT_AUDIT_WARN, NULL,
	  NULL, "detected corruption stops the kernel path instead of going on" },
	{ "kconfig.sched_stack_end_check", "SCHED_STACK_END_CHECK", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "a stack overrun is caught at the next schedule" },
	{ "kconfig.pti", "MITIGATION_PAGE_TABLE_ISOLATION", "PAGE_TABLE_ISOLATION", 'y', MOAT_AUDIT_RISK,
	  NULL, NULL, "Meltdown: user page tables do not map the kernel (page table isolation)" },
	{ "kconfig.retpoline", "MITIGATION_RETPOLINE", "RETPOLINE", 'y', MOAT_AUDIT_RISK, NULL, NULL,
	  "Spectre v2: the kernel's indirect branches are compiled as retpolines" },
	{ "kconfig.bpf_jit_always_on", "BPF_JIT_ALWAYS_ON", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "the BPF interpreter, a Spectre v2 gadget, is compiled out" },
	{ "kconfig.bpf_unpriv_default_off", "BPF_UNPRIV_DEFAULT_OFF", NULL, 'y', MOAT_AUDIT_WARN, NULL,
	  NULL, "unprivileged BPF starts disabled" },
	{ "kconfig.seccomp_filter", "SECCOMP_FILTER", NULL, 'y', MOAT_AUDIT_RISK, NULL, NULL,
	  "seccomp filters (what moat run and container runtimes install) are available" },
	{ "kconfig.yama", "SECURITY_YAMA", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "Yama can restrict ptrace to a process's descendants" },
	{ "kconfig.lockdown_lsm", "SECURITY_LOCKDOWN_LSM", NULL, 'y', MOAT_AUDIT_WARN, NULL, NULL,
	  "lockdown can keep root from modifying the running kernel" },
	{ "kconfig.module_sig", "MODULE_SIG", NULL, 'y', MOAT_AUDIT_WARN, "MODULES", NULL,
	  "module signatures can be checked" },
	/* attack surface */
	{ "kconfig.devmem", "DEVMEM", "IO_STRICT_DEVMEM", 'n', MOAT_AUDIT_RISK, NULL, NULL,
	  "/dev/mem, raw access to physical memory (IO_STRICT_DEVMEM would confine it)" },
	{ "kconfig.proc_kcore", "PROC_KCORE", NULL, 'n', MOAT_AUDIT_WARN, NULL, NULL,
	  "/proc/kcore, the kernel's memory as a file" },
	{ "kconfig.hibernation", "HIBERNATION", NULL, 'n', MOAT_AUDIT_WARN, NULL, NULL,
	  "hibernation, whose image can be altered to run code in the resumed kernel" },
	{ "kconfig.legacy_tiocsti", "LEGACY_TIOCSTI", NULL, 'n', MOAT_AUDIT_WARN, NULL, NULL,
	  "TIOCSTI, typing into another process's terminal (sysctl dev.tty.legacy_tiocsti decides)" },
	{ "kconfig.legacy_vsyscall", "LEGACY_VSYSCALL_NONE", NULL, 'y', MOAT_AUDIT_WARN, NULL,
	  "vsyscall=none", "no vsyscall page at a fixed, known address" },
	{ "kconfig.modify_ldt", "MODIFY_LDT_SYSCALL", NULL, 'n', MOAT_AUDIT_WARN, NULL, NULL,
	  "modify_ldt(2), old and rarely used kernel surface" },
	{ "kconfig.ia32_emulation", "IA32_EMULATION", NULL, 'n', MOAT_AUDIT_WARN, NULL,
	  "ia32_emulation=0", "32-bit system calls, a second system call table to attack" },
	{ "kconfig.x32", "X86_X32_ABI", "X86_X32", 'n', MOAT_AUDIT_WARN, NULL, NULL,
	  "the x32 ABI, a third system call table" },
	{ "kconfig.debug_fs", "DEBUG_FS", NULL, 'n', MOAT_AUDIT_WARN, NULL, "debugfs=off",
	  "debugfs, kernel internals exposed to root" },
};

/* Whether the kernel has the protection (or lacks the surface); how says why. */
static bool satisfied(struct audit_ctx *c, const struct kopt *k, const char *cmdline, char *how,
		      size_t len)
{
	char v = audit_config(c, k->opt);
	const char *val = v == 'y' ? "=y" : v == 'm' ? "=m" : " is not set";
	if ((k->want == 'y') == (v == 'y') && v != 'm') {
		snprintf(how, len, "CONFIG_%s%s", k->opt, val);
		return true;
	}
	if (k->alt && audit_config(c, k->alt) == 'y') {
		snprintf(how, len, "CONFIG_%s=y", k->alt);
		return true;
	}
	if (k->cmdline && cmdline && audit_cmdline_has(cmdline, k->cmdline)) {
		snprintf(how, len, "boot parameter %s (CONFIG_%s%s)", k->cmdline, k->opt, val);
		return true;
	}
	if (k->alt && k->want == 'y')
		snprintf(how, len, "CONFIG_%s%s (nor CONFIG_%s=y)", k->opt, val, k->alt);
	else
		snprintf(how, len, "CONFIG_%s%s", k->opt, val);
	return false;
}

static void check_one(struct audit_ctx *c, const struct kopt *k, const char *cmdline)
{
	char how[200], remedy[200];
	if (k->needs && audit_config(c, k->needs) != 'y') {
		audit_add(c, k->id, G, MOAT_AUDIT_OK, NULL, "does not apply: CONFIG_%s is not set",
			  k->needs);
		return;
	}
	if (satisfied(c, k, cmdline, how, sizeof(how))) {
		audit_add(c, k->id, G, MOAT_AUDIT_OK, NULL, "%s: %s%s", how,
			  k->want == 'n' ? "compiled out: " : "", k->what);
		return;
	}
	if (k->want == 'y')
		snprintf(remedy, sizeof(remedy), "build the kernel with CONFIG_%s=y%s%s", k->opt,
			 k->cmdline ? ", or boot with " : "", k->cmdline ? k->cmdline : "");
	else
		snprintf(remedy, sizeof(remedy), "build the kernel without CONFIG_%s%s%s", k->opt,
			 k->cmdline ? ", or boot with " : "", k->cmdline ? k->cmdline : "");
	audit_add(c, k->id, G, k->bad, remedy, "%s: %s%s", how,
		  k->want == 'y' ? "missing: " : "compiled in: ", k->what);
}

void audit_kconfig(struct audit_ctx *c)
{
	if (!audit_config_available(c)) {
		audit_add(c, "kconfig.available", G, MOAT_AUDIT_INFO,
			  "build the kernel with CONFIG_IKCONFIG_PROC=y, or install its config as "
			  "/boot/config-RELEASE",
			  "the kernel's build configuration is unavailable (no proc/config.gz, no "
			  "boot/config-RELEASE): %zu build checks not performed",
			  sizeof(kopts) / sizeof(kopts[0]));
		return;
	}
	char *cmdline = NULL;
	if (audit_read(c, "proc/cmdline", &cmdline) < 0)
		cmdline = NULL;
	for (size_t i = 0; i < sizeof(kopts) / sizeof(kopts[0]); i++)
		check_one(c, &kopts[i], cmdline);
	free(cmdline);
}
