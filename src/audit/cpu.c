/*
 * CPU: every entry of /sys/devices/system/cpu/vulnerabilities with the
 * kernel's own words and what they mean, SMT (hyperthreads shared with
 * untrusted code leak through Meltdown/Spectre-class channels), and boot
 * parameters that switch mitigations off.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"

#define G "cpu"
#define VULN_DIR "sys/devices/system/cpu/vulnerabilities"

static const struct vuln {
	const char *file, *title, *remedy;
	bool smt; /* the attack works across sibling hyperthreads */
} vulns[] = {
	{ "meltdown", "Meltdown, rogue data cache load (CVE-2017-5754)", "boot with pti=on (remove nopti)", false },
	{ "spectre_v1", "Spectre v1, bounds check bypass (CVE-2017-5753)", "remove nospectre_v1; update the kernel", false },
	{ "spectre_v2", "Spectre v2, branch target injection (CVE-2017-5715)", "boot with spectre_v2=on spectre_v2_user=on; update microcode; nosmt when STIBP is disabled", true },
	{ "spec_store_bypass", "Spectre v4, speculative store bypass (CVE-2018-3639)", "boot with spec_store_bypass_disable=on (or =seccomp); update microcode for SSBD", false },
	{ "l1tf", "L1 Terminal Fault (CVE-2018-3620/3646)", "boot with l1tf=full,force (or nosmt)", true },
	{ "mds", "Microarchitectural Data Sampling (CVE-2018-12126/12127/12130)", "boot with mds=full,nosmt; update microcode", true },
	{ "tsx_async_abort", "TSX Asynchronous Abort (CVE-2019-11135)", "boot with tsx_async_abort=full,nosmt or tsx=off", true },
	{ "itlb_multihit", "iTLB multihit, machine check on huge pages (CVE-2018-12207)", "boot with kvm.nx_huge_pages=force", false },
	{ "srbds", "Special Register Buffer Data Sampling (CVE-2020-0543)", "update microcode (srbds=on)", false },
	{ "mmio_stale_data", "Processor MMIO stale data (CVE-2022-21123/21125/21166)", "boot with mmio_stale_data=full,nosmt; update microcode", true },
	{ "retbleed", "Retbleed, return instruction speculation (CVE-2022-29900/29901)", "boot with retbleed=auto,nosmt; update microcode", true },
	{ "spec_rstack_overflow", "Speculative Return Stack Overflow, AMD Inception (CVE-2023-20569)", "update microcode (amd64-microcode) for Safe RET, or boot with spec_rstack_overflow=ibpb", true },
	{ "gather_data_sampling", "Gather Data Sampling, Downfall (CVE-2022-40982)", "update microcode (intel-microcode); gather_data_sampling=force disables AVX otherwise", false },
	{ "reg_file_data_sampling", "Register File Data Sampling (CVE-2023-28746)", "boot with reg_file_data_sampling=on; update microcode", false },
	{ "indirect_target_selection", "Indirect Target Selection (CVE-2024-28956)", "boot with indirect_target_selection=on; update microcode", false },
	{ "tsa", "Transient Scheduler Attacks, AMD (CVE-2024-36350/36357)", "update microcode (amd64-microcode) and boot with tsa=on", true },
	{ "old_microcode", "CPU microcode older than the vendor's latest", "install intel-microcode or amd64-microcode and reboot", false },
	{ "ghostwrite", "GhostWrite, T-Head RISC-V vector stores (CVE-2024-44067)", "disable the vector extension", false },
	{ "vmscape", "VMSCAPE, guest-to-host branch target injection (CVE-2025-40300)", "boot with vmscape=ibpb", false },
};

/* Phrases of the kernel's vulnerability strings and what they mean. */
static const struct {
	const char *phrase, *meaning;
} hints[] = {
	{ "no microcode", "the CPU's microcode lacks the update this mitigation needs" },
	{ "No microcode", "the CPU's microcode lacks the update this mitigation needs" },
	{ "SMT vulnerable", "a sibling hyperthread can still read this core's data" },
	{ "SMT Host state unknown", "the hypervisor does not say whether SMT is safe" },
	{ "STIBP: disabled", "no branch-predictor isolation between sibling hyperthreads" },
	{ "IBPB: disabled", "no branch-predictor flush when switching between processes" },
	{ "Safe RET", "returns go through the kernel's safe return thunk" },
	{ "Retpolines", "indirect branches go through retpolines" },
	{ "__user pointer sanitization", "user pointers are masked before speculative use" },
	{ "PTI", "kernel page-table isolation is on" },
	{ "Clear CPU buffers", "CPU buffers are cleared on kernel exit" },
	{ "Speculative Store Bypass disabled", "SSBD is set only for tasks that ask for it (prctl, seccomp)" },
	{ "BHI: Vulnerable", "branch history injection is not mitigated" },
	{ "Vulnerable: Clear CPU buffers attempted", "the buffers are cleared but the microcode cannot guarantee it" },
};

static bool has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

enum audit_vuln_state audit_vuln_classify(const char *text)
{
	if (!strncmp(text, "Not affected", 12))
		return AUDIT_VULN_NOT_AFFECTED;
	if (!strncmp(text, "KVM: ", 5))
		text += 5; /* itlb_multihit: "KVM: Mitigation: ..." */
	if (!strncmp(text, "Mitigation", 10))
		return has(text, "SMT vulnerable") || has(text, "STIBP: disabled") ||
				       has(text, "IBPB: disabled") || has(text, "Vulnerable") ||
				       has(text, "SMT Host state unknown")
			       ? AUDIT_VULN_PARTIAL
			       : AUDIT_VULN_MITIGATED;
	if (!strncmp(text, "Vulnerable", 10) || !strncmp(text, "Processor vulnerable", 20))
		return AUDIT_VULN_VULNERABLE;
	return AUDIT_VULN_UNKNOWN;
}

static const struct vuln *find_vuln(const char *file)
{
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(vulns); i++)
		if (!strcmp(vulns[i].file, file))
			return &vulns[i];
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names in the vulnerabilities directory, sorted (*names malloc'd, each malloc'd). */
static int list_vulns(struct audit_ctx *c, char ***names, size_t *n)
{
	char path[4096];
	DIR *d = opendir(audit_path(c, VULN_DIR, path, sizeof(path)));
	*names = NULL;
	*n = 0;
	if (!d)
		return -errno;
	size_t cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			char **nn = realloc(*names, (cap = cap ? cap * 2 : 32) * sizeof(*nn));
			if (!nn)
				break;
			*names = nn;
		}
		if (!((*names)[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return 0;
}

static void check_one_vuln(struct audit_ctx *c, const char *file, bool *smt_exposed)
{
	char rel[512], eb[128];
	snprintf(rel, sizeof(rel), VULN_DIR "/%s", file);
	MOAT_AUTO(free) char *s = NULL;
	int r = audit_read(c, rel, &s);
	const struct vuln *v = find_vuln(file);
	char generic[300];
	snprintf(generic, sizeof(generic), "see the kernel's Documentation/admin-guide/hw-vuln/ for %s", file);
	const char *remedy = v ? v->remedy : generic;
	char id[300];
	snprintf(id, sizeof(id), "cpu.%s", file);
	enum moat_audit_verdict verdict;
	if (r < 0) {
		audit_add(c, id, G, MOAT_AUDIT_WARN, remedy, "%s: %s: %s", file,
			  v ? v->title : "unknown to moat", audit_read_error(r, eb, sizeof(eb)));
		return;
	}
	enum audit_vuln_state st = audit_vuln_classify(s);
	verdict = st == AUDIT_VULN_NOT_AFFECTED || st == AUDIT_VULN_MITIGATED ? MOAT_AUDIT_OK
		  : st == AUDIT_VULN_VULNERABLE                            ? MOAT_AUDIT_RISK
									   : MOAT_AUDIT_WARN;
	if (v && v->smt && st != AUDIT_VULN_NOT_AFFECTED)
		*smt_exposed = true;
	if (st == AUDIT_VULN_PARTIAL && (has(s, "SMT") || has(s, "STIBP")))
		*smt_exposed = true;
	audit_add(c, id, G, verdict, verdict == MOAT_AUDIT_OK ? NULL : remedy,
		  "%s: \"%s\" (%s)", file, s, v ? v->title : "a vulnerability moat does not know yet");
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(hints); i++)
		if (has(s, hints[i].phrase))
			audit_item(c, "%s: %s", hints[i].phrase, hints[i].meaning);
}

static void check_vulns(struct audit_ctx *c, bool *smt_exposed)
{
	char **names;
	size_t n;
	int r = list_vulns(c, &names, &n);
	if (r < 0 || !n) {
		audit_add(c, "cpu.vulnerabilities", G, MOAT_AUDIT_WARN,
			  "use a kernel of 4.15 or later (CONFIG_GENERIC_CPU_VULNERABILITIES)",
			  "the kernel reports no CPU vulnerabilities (" VULN_DIR " %s)",
			  r == -ENOENT ? "absent" : "empty or unreadable");
	}
	for (size_t i = 0; i < n; i++) {
		check_one_vuln(c, names[i], smt_exposed);
		free(names[i]);
	}
	free(names);
}

static void check_smt(struct audit_ctx *c, bool exposed)
{
	MOAT_AUTO(free) char *ctl = NULL;
	long active = -1;
	int r = audit_read(c, "sys/devices/system/cpu/smt/control", &ctl);
	audit_read_long(c, "sys/devices/system/cpu/smt/active", &active);
	const char *fix = "boot with nosmt (or: echo off > /sys/devices/system/cpu/smt/control)";
	if (r == 0 && (!strcmp(ctl, "off") || !strcmp(ctl, "forceoff")))
		audit_add(c, "cpu.smt", G, MOAT_AUDIT_OK, NULL, "SMT control=%s: one thread per core", ctl);
	else if (r == 0 && !strcmp(ctl, "notsupported"))
		audit_add(c, "cpu.smt", G, MOAT_AUDIT_OK, NULL,
			  "SMT control=notsupported: the CPU runs one thread per core");
	else if ((r == 0 && !strcmp(ctl, "on")) || active == 1)
		audit_add(c, "cpu.smt", G, exposed ? MOAT_AUDIT_RISK : MOAT_AUDIT_WARN, fix,
			  "SMT is on (control=%s, active=%ld): untrusted code on a sibling hyperthread %s",
			  r == 0 ? ctl : "?", active,
			  exposed ? "can read this core's secrets through an unmitigated vulnerability above"
				  : "shares caches and predictors with this core");
	else if (r == -ENOENT && active < 0)
		audit_add(c, "cpu.smt", G, MOAT_AUDIT_INFO, NULL,
			  "SMT state unknown: sys/devices/system/cpu/smt absent (CONFIG_HOTPLUG_SMT not set)");
	else
		audit_add(c, "cpu.smt", G, MOAT_AUDIT_OK, NULL, "SMT control=%s, active=%ld",
			  r == 0 ? ctl : "absent", active);
}

/* Boot parameters that switch a CPU mitigation off. */
static const char *const weakening[] = {
	"mitigations=off", "nopti", "pti=off", "nospectre_v1", "nospectre_v2", "spectre_v2=off",
	"spectre_v2_user=off", "nospec_store_bypass_disable", "spec_store_bypass_disable=off",
	"l1tf=off", "mds=off", "tsx_async_abort=off", "mmio_stale_data=off", "retbleed=off",
	"srbds=off", "gather_data_sampling=off", "reg_file_data_sampling=off",
	"spec_rstack_overflow=off", "tsa=off", "indirect_target_selection=off", "vmscape=off",
	"nospectre_bhb", "spectre_bhi=off", "tsx=on", "kvm.nx_huge_pages=off",
};

bool audit_cmdline_has(const char *cmdline, const char *param)
{
	size_t pl = strlen(param);
	for (const char *p = cmdline; (p = strstr(p, param)); p += pl) {
		bool start = p == cmdline || p[-1] == ' ';
		char end = p[pl];
		if (start && (end == 0 || end == ' ' || end == '\n' || (!strchr(param, '=') && end == '=')))
			return true;
	}
	return false;
}

void audit_check_cmdline(struct audit_ctx *c, const struct audit_cmdline_check *k)
{
	MOAT_AUTO(free) char *s = NULL;
	char eb[128];
	int r = audit_read(c, "proc/cmdline", &s);
	if (r < 0) {
		audit_add(c, k->id, k->group, MOAT_AUDIT_INFO, NULL, "proc/cmdline: %s",
			  audit_read_error(r, eb, sizeof(eb)));
		return;
	}
	size_t bad = 0;
	for (size_t i = 0; i < k->n; i++)
		bad += audit_cmdline_has(s, k->params[i]);
	if (bad)
		audit_add(c, k->id, k->group, k->bad, "remove these boot parameters",
			  "%zu boot parameter%s in proc/cmdline %s", bad, bad == 1 ? "" : "s",
			  bad == 1 ? k->does_one : k->does_many);
	else
		audit_add(c, k->id, k->group, MOAT_AUDIT_OK, NULL, "no boot parameter in proc/cmdline %s",
			  k->does_none);
	for (size_t i = 0; i < k->n; i++)
		if (audit_cmdline_has(s, k->params[i]))
			audit_item(c, "%s", k->params[i]);
}

static void check_cmdline(struct audit_ctx *c)
{
	static const struct audit_cmdline_check k = {
		"cpu.boot_params", G, MOAT_AUDIT_RISK, weakening, MOAT_ARRAY_SIZE(weakening),
		"switches CPU mitigations off", "switch CPU mitigations off",
		"switches a CPU mitigation off",
	};
	audit_check_cmdline(c, &k);
}

void audit_cpu(struct audit_ctx *c)
{
	bool exposed = false;
	check_vulns(c, &exposed);
	check_smt(c, exposed);
	check_cmdline(c);
}
