/*
 * Internals of the auditor shared by its check groups: the run context,
 * reading files under the audited root, the kernel configuration, and
 * adding checks to the report.
 */
#ifndef MOAT_AUDIT_INTERNAL_H
#define MOAT_AUDIT_INTERNAL_H

#include <moat/audit.h>

struct audit_ctx {
	const char *root;              /* "" for this machine, else the tree without a trailing '/' */
	struct moat_audit_report *rep;
	const struct moat_kinv *inv;   /* NULL when the kernel's BPF objects were not examined */
	const char *inv_why;           /* why inv is NULL */
	const int *tgids;              /* the kernel's task list, ascending, when have_tgids */
	size_t ntgids;
	bool have_tgids;
	const char *tgids_why;         /* why the task list is missing */
	char *config;                  /* the kernel config text, NULL when unavailable */
	bool config_loaded;
	bool live;                     /* the root is this machine: pids can be re-checked with kill(2) */
};

/* ---- reading under the root (read.c) ---- */

/* The path of rel under the root, in buf (rel starts with "proc/" or "sys/"). */
const char *audit_path(const struct audit_ctx *c, const char *rel, char *buf, size_t len);
/*
 * Reads a whole file under the root into a malloc'd NUL-terminated string
 * with trailing whitespace removed (*out; caller frees).  Returns 0, or
 * -errno: -ENOENT when absent, -EACCES, -EISDIR, ... when unreadable.
 */
int audit_read(const struct audit_ctx *c, const char *rel, char **out);
/* Reads a file holding one integer.  Returns 0, -errno as audit_read, or -EINVAL when malformed. */
int audit_read_long(const struct audit_ctx *c, const char *rel, long *v);
/* True when rel exists under the root (file or directory). */
bool audit_exists(const struct audit_ctx *c, const char *rel);
/*
 * The kernel configuration's value of option (without "CONFIG_") from
 * proc/config.gz or boot/config-RELEASE (gzip or plain text): 'y', 'm', 'n' (not set), or 0 when
 * the configuration is unavailable.
 */
char audit_config(struct audit_ctx *c, const char *option);
/* True when the kernel configuration could be read (proc/config.gz, else
 * boot/config-RELEASE with RELEASE from proc/sys/kernel/osrelease). */
bool audit_config_available(struct audit_ctx *c);
/* The option's value in a config text: 'y', 'm', 'n' (absent or "is not set"). */
char audit_config_lookup(const char *config, const char *option);
/* A one-line description of a read failure ("absent", "unreadable: Permission denied"). */
const char *audit_read_error(int r, char *buf, size_t len);

/* True when the kernel command line holds param as a whole word ("nopti", "mitigations=off"); a
 * param without "=" also matches "param=value" (cpu.c). */
bool audit_cmdline_has(const char *cmdline, const char *param);

/* What a boot-parameter check says: the parameters it looks for, and the
 * evidence for one found, several found and none found. */
struct audit_cmdline_check {
	const char *id, *group;
	enum moat_audit_verdict bad; /* verdict when any is present */
	const char *const *params;
	size_t n;
	const char *does_one, *does_many, *does_none;
};
/* Adds the check over proc/cmdline, listing each parameter found (cpu.c). */
void audit_check_cmdline(struct audit_ctx *c, const struct audit_cmdline_check *k);

/* ---- the report (report.c) ---- */

/*
 * Appends a check; evidence is printf-formatted; remedy may be NULL.
 * Allocation failure is recorded in the report and fails the run later.
 */
void audit_add(struct audit_ctx *c, const char *id, const char *group,
	       enum moat_audit_verdict v, const char *remedy, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Appends a detail line to the last check added. */
void audit_item(struct audit_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- check groups, one file each ---- */
void audit_modules(struct audit_ctx *c);   /* modules.c: kernel code loading */
void audit_bpf(struct audit_ctx *c);       /* bpf.c: eBPF sysctls and loaded objects */
void audit_cpu(struct audit_ctx *c);       /* cpu.c: vulnerabilities, SMT, boot parameters */
void audit_isolation(struct audit_ctx *c); /* isolation.c: seccomp, namespaces, LSMs, sysctls */
void audit_hiding(struct audit_ctx *c);    /* hiding.c: hidden processes and modules */
void audit_kconfig(struct audit_ctx *c);   /* kconfig.c: the kernel's build-time hardening */
void audit_hiding_bpf(struct audit_ctx *c); /* hiding_bpf.c: BPF programs hidden from bpf(2) */

/* ---- parsers shared with tests and fuzzers ---- */

/* How the kernel describes a CPU vulnerability (cpu.c). */
enum audit_vuln_state {
	AUDIT_VULN_NOT_AFFECTED,
	AUDIT_VULN_MITIGATED,      /* "Mitigation: ..." with nothing left open */
	AUDIT_VULN_PARTIAL,        /* "Mitigation: ..." that names an open part (SMT vulnerable, STIBP disabled, ...) */
	AUDIT_VULN_VULNERABLE,     /* "Vulnerable..." */
	AUDIT_VULN_UNKNOWN,        /* "Unknown: ..." or anything else */
};
enum audit_vuln_state audit_vuln_classify(const char *text);

/*
 * Calls fn(pid, mountpoint, arg) for every mount in a mountinfo text whose
 * mount point is /proc/<digits> or below it (under the proc mount at
 * "/proc"), the way simple rootkits hide a process (hiding.c).  Returns the
 * number of such mounts.
 */
size_t audit_proc_pid_mounts(const char *mountinfo, void (*fn)(int pid, const char *mnt, void *arg),
			     void *arg);

/*
 * Splits a kallsyms text into the module names in its "[name]" column,
 * calling fn for each distinct one in order of first appearance; the
 * kernel's pseudo-modules ([bpf], [__builtin__*]) are skipped (hiding.c).
 */
size_t audit_kallsyms_modules(const char *kallsyms, void (*fn)(const char *name, void *arg), void *arg);

/*
 * Calls fn(address, name, arg) for each JIT-compiled BPF function in a
 * kallsyms text ("ADDR t bpf_prog_TAG_NAME [bpf]"); returns their number
 * (hiding_bpf.c).
 */
size_t audit_kallsyms_bpf(const char *kallsyms, void (*fn)(uint64_t addr, const char *name, void *arg),
			  void *arg);

#endif
