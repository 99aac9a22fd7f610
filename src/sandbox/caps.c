/* Capabilities: names, Docker's default set, and dropping to a set. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
	"setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
	"net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
	"sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
	"audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};
#define NCAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

const char *moat_cap_name(int cap)
{
	return cap >= 0 && cap < NCAPS ? cap_names[cap] : NULL;
}

int moat_cap_parse(const char *s, bool all_ok, struct moat_error *err)
{
	const char *n = !strncasecmp(s, "cap_", 4) ? s + 4 : s;
	if (all_ok && !strcasecmp(s, "all"))
		return -2;
	for (int i = 0; i < NCAPS; i++)
		if (!strcasecmp(n, cap_names[i]))
			return i;
	return moat_error_set(err, EINVAL, "unknown capability '%s'", s);
}

uint64_t moat_cap_default(void)
{
	/* Docker's (and crun's default spec's) set: enough for a package manager
	 * and a service dropping to its user, nothing that reaches the kernel's
	 * global state (no sys_admin, net_admin, sys_module, sys_ptrace, ...). */
	static const int dflt[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER,
		CAP_MKNOD, CAP_NET_RAW, CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP,
		CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE };
	uint64_t m = 0;
	for (size_t i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
		m |= 1ULL << dflt[i];
	return m;
}

/* The running kernel's highest capability number. */
static int last_cap(void)
{
	int last = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

int sbx_caps_bound(uint64_t keep, struct moat_error *err)
{
	/* The bounding set caps what any later execve can gain, even from file
	 * capabilities or a setuid-root binary: drop every capability not kept.
	 * Needs CAP_SETPCAP, which the caller (root inside) still has. */
	int last = last_cap();
	for (int c = 0; c <= last; c++) {
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return moat_error_set(err, errno, "dropping capability %s from the bounding set: %s",
					      moat_cap_name(c) ? moat_cap_name(c) : "?", strerror(errno));
	}
	return 0;
}

int sbx_caps_apply(uint64_t keep, struct moat_error *err)
{
	/* After the switch to the command's user: permitted and effective become
	 * the kept set (still held thanks to PR_SET_KEEPCAPS when the user is
	 * not root), inheritable and ambient are emptied so nothing is handed
	 * down implicitly, and no_new_privs stops setuid binaries and file
	 * capabilities from ever raising privileges again. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return moat_error_set(err, errno, "clearing ambient capabilities: %s", strerror(errno));
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	d[0].permitted = d[0].effective = (uint32_t)keep;
	d[1].permitted = d[1].effective = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return moat_error_set(err, errno, "setting capabilities: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return moat_error_set(err, errno, "setting no_new_privs: %s", strerror(errno));
	return 0;
}
