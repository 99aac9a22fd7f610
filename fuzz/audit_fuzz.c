/*
 * The auditor's parsers on arbitrary text: vulnerability strings, mountinfo,
 * kallsyms (modules and JIT-compiled BPF), kernel config and command line; then the whole audit over a
 * tree whose files hold pieces of the input (proc/modules, lockdown, lsm,
 * mountinfo, a vulnerability, a sysctl, kallsyms, cmdline, a /proc/PID/stat
 * with the task list given).  Nothing may crash, leak or read out of bounds,
 * and every report must render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <moat/audit.h>

#include "audit/audit_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(int pid, const char *mnt, void *arg)
{
	(*(size_t *)arg) += (size_t)pid + strlen(mnt);
}

static void jitted(uint64_t addr, const char *n, void *arg)
{
	(*(size_t *)arg) += (size_t)addr + strlen(n);
}

static void name(const char *n, void *arg)
{
	(*(size_t *)arg) += strlen(n);
}

static const char *const files[] = {
	"proc/modules", "sys/kernel/security/lockdown", "sys/kernel/security/lsm",
	"proc/self/mountinfo", "sys/devices/system/cpu/vulnerabilities/mds",
	"proc/sys/kernel/unprivileged_bpf_disabled", "proc/kallsyms", "proc/cmdline",
	"proc/7/stat", "proc/self/status", "proc/config.gz",
};

static char root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

/* The tree goes when the fuzzer exits, so a run leaves nothing in /tmp. */
static void teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	static const char *const dirs[] = {
		"", "/proc", "/proc/self", "/proc/7", "/proc/sys", "/proc/sys/kernel", "/sys",
		"/sys/kernel", "/sys/kernel/security", "/sys/devices", "/sys/devices/system",
		"/sys/devices/system/cpu", "/sys/devices/system/cpu/vulnerabilities",
	};
	snprintf(root, sizeof(root), "/tmp/moat-audit-fuzz-%d", (int)getpid());
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
		mkdir(p, 0755);
	}
	atexit(teardown);
}

/* Splits text at "\x1e" into the files above and audits the tree. */
static void whole(const char *text)
{
	if (!*root)
		setup();
	const char *p = text;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *end = strchr(p, '\x1e');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char path[160];
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		FILE *f = fopen(path, "w");
		if (f) {
			fwrite(p, 1, n, f);
			fclose(f);
		}
		p += n + (end ? 1 : 0);
	}
	static const int tgids[] = { 1, 7, 9 };
	MOAT_OPTS(moat_audit_opts, o, .root = root, .tgids = tgids, .ntgids = 3, .have_tgids = true);
	struct moat_audit_report *r = moat_audit_run(&o, NULL);
	if (!r)
		abort(); /* the root exists: only memory exhaustion may fail a run */
	for (int json = 0; json < 2; json++)
		free(moat_audit_render(r, json, NULL));
	moat_audit_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 16)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	size_t sink = 0;
	switch (data[0] % 3) {
	case 0:
		sink += audit_vuln_classify(text);
		sink += audit_proc_pid_mounts(text, count, &sink);
		sink += audit_kallsyms_modules(text, name, &sink);
		sink += audit_kallsyms_bpf(text, jitted, &sink);
		break;
	case 1:
		sink += (size_t)audit_config_lookup(text, "MODULES");
		sink += audit_cmdline_has(text, "nopti") + audit_cmdline_has(text, "mitigations=off");
		break;
	default:
		whole(text);
		break;
	}
	free(text);
	return sink == 42 ? 0 : 0;
}
