/*
 * Kernel code loading: loadable modules, modules_disabled, module
 * signatures, lockdown, kexec and the taint flags.  "If you can load a
 * module, game over": each of these is a way to run code of one's choice in
 * the kernel, so each verdict says whether that door is shut.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"

#define G "modules"

/* Whether the kernel can load modules at all; *why explains the answer. */
static bool module_support(struct audit_ctx *c, char *why, size_t len)
{
	char cfg = audit_config(c, "MODULES");
	if (audit_exists(c, "proc/modules")) {
		snprintf(why, len, "proc/modules is present");
		return true;
	}
	if (cfg == 'y') {
		snprintf(why, len, "proc/modules is absent although CONFIG_MODULES=y (procfs hidden?)");
		return true;
	}
	snprintf(why, len, "the kernel has no loadable module support (%s)",
		 cfg == 'n' ? "CONFIG_MODULES is not set, no proc/modules" : "no proc/modules");
	return false;
}

/*
 * Lockdown level from "none [integrity] confidentiality": 0, 1, 2, or -1
 * when unknown; mode receives the word, or why it is unknown.
 */
static int lockdown_level(struct audit_ctx *c, char *mode, size_t len)
{
	MOAT_AUTO(free) char *s = NULL;
	int r = audit_read(c, "sys/kernel/security/lockdown", &s);
	if (r < 0) {
		audit_read_error(r, mode, len);
		return -1;
	}
	snprintf(mode, len, "malformed value");
	static const char *const names[] = { "none", "integrity", "confidentiality" };
	char *l = strchr(s, '['), *end = l ? strchr(l, ']') : NULL;
	if (!end)
		return -1;
	snprintf(mode, len, "%.*s", (int)(end - l - 1), l + 1);
	for (int i = 0; i < 3; i++)
		if (!strcmp(mode, names[i]))
			return i;
	return -1;
}

static void check_loaded(struct audit_ctx *c, bool support, const char *why)
{
	if (!support) {
		audit_add(c, "modules.loaded", G, MOAT_AUDIT_OK, NULL, "%s", why);
		return;
	}
	MOAT_AUTO(free) char *s = NULL;
	char eb[128];
	int r = audit_read(c, "proc/modules", &s);
	if (r < 0) {
		audit_add(c, "modules.loaded", G, MOAT_AUDIT_WARN, "read /proc/modules as root",
			  "proc/modules: %s", audit_read_error(r, eb, sizeof(eb)));
		return;
	}
	size_t n = 0;
	for (char *p = s; *p; n++) {
		char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	audit_add(c, "modules.loaded", G, MOAT_AUDIT_INFO, NULL, "%zu module%s loaded (proc/modules)",
		  n, n == 1 ? "" : "s");
	for (char *p = s, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		char name[64] = "", state[16] = "";
		unsigned long size = 0;
		if (sscanf(line, "%63s %lu %*s %*s %15s", name, &size, state) >= 2)
			audit_item(c, "%s (%lu bytes%s%s)", name, size, *state ? ", " : "", state);
	}
}

static void check_disabled(struct audit_ctx *c, bool support, const char *why, int lockdown)
{
	long v;
	char eb[128];
	int r = audit_read_long(c, "proc/sys/kernel/modules_disabled", &v);
	if (!support && r == -ENOENT) {
		audit_add(c, "modules.disabled", G, MOAT_AUDIT_OK, NULL,
			  "nothing to disable: %s", why);
	} else if (r < 0) {
		audit_add(c, "modules.disabled", G, MOAT_AUDIT_WARN,
			  "sysctl kernel.modules_disabled=1 once boot has loaded what it needs",
			  "proc/sys/kernel/modules_disabled: %s", audit_read_error(r, eb, sizeof(eb)));
	} else if (v == 1) {
		audit_add(c, "modules.disabled", G, MOAT_AUDIT_OK, NULL,
			  "kernel.modules_disabled=1: no module can be loaded until reboot");
	} else {
		/* Root can load kernel code; only signatures (or lockdown) limit which. */
		MOAT_AUTO(free) char *sig = NULL;
		bool signed_only = (audit_read(c, "sys/module/module/parameters/sig_enforce", &sig) == 0 &&
				    !strcmp(sig, "Y")) || lockdown >= 1;
		audit_add(c, "modules.disabled", G, signed_only ? MOAT_AUDIT_WARN : MOAT_AUDIT_RISK,
			  "sysctl kernel.modules_disabled=1 once boot has loaded what it needs",
			  "kernel.modules_disabled=%ld: root can load %s", v,
			  signed_only ? "signed modules" : "any module, signed or not");
	}
}

static void check_signatures(struct audit_ctx *c, bool support, const char *why, int lockdown)
{
	MOAT_AUTO(free) char *s = NULL;
	char eb[128];
	int r = audit_read(c, "sys/module/module/parameters/sig_enforce", &s);
	const char *fix = "boot with module.sig_enforce=1 (or build with CONFIG_MODULE_SIG_FORCE=y)";
	if (!support)
		audit_add(c, "modules.signatures", G, MOAT_AUDIT_OK, NULL, "no modules to sign: %s", why);
	else if (r == 0 && !strcmp(s, "Y"))
		audit_add(c, "modules.signatures", G, MOAT_AUDIT_OK, NULL,
			  "module.sig_enforce=Y: only modules signed with a trusted key load");
	else if (lockdown >= 1)
		audit_add(c, "modules.signatures", G, MOAT_AUDIT_OK, NULL,
			  "module.sig_enforce=%s, but lockdown requires signed modules",
			  r == 0 ? s : audit_read_error(r, eb, sizeof(eb)));
	else if (r == -ENOENT && audit_config(c, "MODULE_SIG") != 'y')
		audit_add(c, "modules.signatures", G, MOAT_AUDIT_RISK, fix,
			  "no module signature support (sys/module/module/parameters/sig_enforce absent)");
	else
		audit_add(c, "modules.signatures", G, MOAT_AUDIT_RISK, fix,
			  "module.sig_enforce=%s: unsigned modules load",
			  r == 0 ? s : audit_read_error(r, eb, sizeof(eb)));
}

static void check_lockdown(struct audit_ctx *c, int level, const char *mode)
{
	const char *fix = "boot with lockdown=integrity (or confidentiality)";
	char cfg = audit_config(c, "LOCK_DOWN_KERNEL_FORCE_INTEGRITY");
	char cfg2 = audit_config(c, "LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY");
	const char *forced = cfg2 == 'y' ? " (forced at build time: CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY)"
			     : cfg == 'y' ? " (forced at build time: CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY)"
					  : "";
	if (level >= 1)
		audit_add(c, "modules.lockdown", G, MOAT_AUDIT_OK, NULL,
			  "lockdown=%s: root cannot modify the running kernel (/dev/mem, unsigned kexec "
			  "and modules)%s%s",
			  mode, level == 2 ? " nor read its memory" : "", forced);
	else if (level == 0)
		audit_add(c, "modules.lockdown", G, MOAT_AUDIT_WARN, fix,
			  "lockdown=none: root can change the running kernel");
	else if (strcmp(mode, "absent"))
		audit_add(c, "modules.lockdown", G, MOAT_AUDIT_WARN, fix,
			  "sys/kernel/security/lockdown: %s", mode);
	else if (!audit_exists(c, "sys/kernel/security/lsm"))
		audit_add(c, "modules.lockdown", G, MOAT_AUDIT_WARN,
			  "mount -t securityfs securityfs /sys/kernel/security",
			  "unknown: securityfs is not mounted at sys/kernel/security");
	else
		audit_add(c, "modules.lockdown", G, MOAT_AUDIT_WARN,
			  "build with CONFIG_SECURITY_LOCKDOWN_LSM=y and boot with lockdown=integrity",
			  "the lockdown LSM is not in this kernel (sys/kernel/security/lockdown absent)");
}

static void check_kexec(struct audit_ctx *c, int lockdown)
{
	long v;
	char eb[128];
	int r = audit_read_long(c, "proc/sys/kernel/kexec_load_disabled", &v);
	const char *fix = "sysctl kernel.kexec_load_disabled=1";
	if (r == -ENOENT)
		audit_add(c, "modules.kexec", G, MOAT_AUDIT_OK, NULL,
			  "the kernel cannot load another kernel (kexec compiled out: "
			  "proc/sys/kernel/kexec_load_disabled absent%s)",
			  audit_config(c, "KEXEC_CORE") == 'n' ? ", CONFIG_KEXEC_CORE is not set" : "");
	else if (r < 0)
		audit_add(c, "modules.kexec", G, MOAT_AUDIT_WARN, fix,
			  "proc/sys/kernel/kexec_load_disabled: %s", audit_read_error(r, eb, sizeof(eb)));
	else if (v == 1)
		audit_add(c, "modules.kexec", G, MOAT_AUDIT_OK, NULL,
			  "kernel.kexec_load_disabled=1: kexec is off until reboot");
	else
		audit_add(c, "modules.kexec", G, lockdown >= 1 ? MOAT_AUDIT_WARN : MOAT_AUDIT_RISK, fix,
			  "kernel.kexec_load_disabled=%ld: root can replace the running kernel%s", v,
			  lockdown >= 1 ? " with a signed image (lockdown)" : "");
}

/* Taint bits that say foreign code is in the kernel (Documentation/admin-guide/tainted-kernels). */
static const struct {
	int bit;
	char letter;
	const char *what;
	enum moat_audit_verdict v;
} taints[] = {
	{ 0, 'P', "a proprietary module was loaded", MOAT_AUDIT_WARN },
	{ 1, 'F', "a module was force-loaded", MOAT_AUDIT_RISK },
	{ 7, 'D', "the kernel died recently (OOPS or BUG)", MOAT_AUDIT_WARN },
	{ 12, 'O', "an out-of-tree module was loaded", MOAT_AUDIT_WARN },
	{ 13, 'E', "an unsigned module was loaded", MOAT_AUDIT_RISK },
	{ 15, 'K', "the kernel has been live patched", MOAT_AUDIT_INFO },
};

static void check_taint(struct audit_ctx *c)
{
	long v;
	char eb[128];
	int r = audit_read_long(c, "proc/sys/kernel/tainted", &v);
	if (r < 0) {
		audit_add(c, "modules.tainted", G, MOAT_AUDIT_INFO, NULL, "proc/sys/kernel/tainted: %s",
			  audit_read_error(r, eb, sizeof(eb)));
		return;
	}
	enum moat_audit_verdict worst = MOAT_AUDIT_OK;
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(taints); i++)
		if (v & (1L << taints[i].bit) && taints[i].v > worst)
			worst = taints[i].v;
	audit_add(c, "modules.tainted", G, worst,
		  worst > MOAT_AUDIT_OK ? "find the module named in the kernel log (dmesg) and remove it; reboot" : NULL,
		  "kernel.tainted=%ld%s", v, v ? "" : ": no foreign code");
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(taints); i++)
		if (v & (1L << taints[i].bit))
			audit_item(c, "%c: %s", taints[i].letter, taints[i].what);
}

void audit_modules(struct audit_ctx *c)
{
	char why[160], mode[32];
	bool support = module_support(c, why, sizeof(why));
	int lockdown = lockdown_level(c, mode, sizeof(mode));
	check_loaded(c, support, why);
	check_disabled(c, support, why, lockdown);
	check_signatures(c, support, why, lockdown);
	check_lockdown(c, lockdown, mode);
	check_kexec(c, lockdown);
	check_taint(c);
}
