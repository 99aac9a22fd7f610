/*
 * The kernel security auditor: reads /proc and /sys (of the running machine
 * or of a copied tree) and the kernel's own BPF and task lists, and judges
 * each fact: kernel code loading, eBPF, CPU vulnerabilities and SMT,
 * isolation features, and things hidden from /proc.
 *
 *     MOAT_OPTS(moat_audit_opts, o, .root = "/");
 *     struct moat_audit_report *r = moat_audit_run(&o, &err);
 *     char *text = moat_audit_render(r, false, &err);
 *     ...
 *     free(text);
 *     moat_audit_report_free(r);
 *
 * A missing file is information, not an error: each check says what the
 * absence means (a feature compiled out, a filesystem not mounted).
 */
#ifndef MOAT_AUDIT_H
#define MOAT_AUDIT_H

#include <moat/common.h>
#include <moat/error.h>
#include <moat/kernel_inventory.h>

/* A check's verdict, in increasing order of concern. */
enum moat_audit_verdict {
	MOAT_AUDIT_INFO, /* a fact without a judgement, or a check not performed */
	MOAT_AUDIT_OK,   /* the hardened setting, or the feature is absent */
	MOAT_AUDIT_WARN, /* weaker than it could be; the remedy says how to harden */
	MOAT_AUDIT_RISK, /* a known attack path is open */
};

/* One check's result.  Strings are owned by the report. */
struct moat_audit_check {
	const char *id;       /* stable identifier, e.g. "bpf.unprivileged" */
	const char *group;    /* "modules", "bpf", "cpu", "isolation", "hiding", "kconfig" */
	enum moat_audit_verdict verdict;
	const char *evidence; /* what was read, with the file it came from */
	const char *remedy;   /* the sysctl, boot parameter or action; "" when none */
	size_t nitems;        /* detail lines (modules, BPF objects, hidden pids) */
	const char *const *items;
};

struct moat_audit_opts {
	size_t sz;
	/* The tree whose proc/ and sys/ are read; NULL or "/" for this machine. */
	const char *root;
	/*
	 * Ask the running kernel for its BPF objects and its task list (needs
	 * root).  Defaults to true when root is this machine; false skips
	 * those checks (they report MOAT_AUDIT_INFO "not examined").
	 */
	bool no_kernel;
	/* Use these instead of asking the kernel (tests, or a caller that has them). */
	const struct moat_kinv *inventory;
	const int *tgids; /* the kernel's task list, ascending */
	size_t ntgids;
	bool have_tgids;  /* tgids/ntgids are set (ntgids may be 0) */
};

struct moat_audit_report;

/*
 * Runs every check.  Returns a new report (free with
 * moat_audit_report_free), or NULL with err set when the root cannot be
 * opened (ENOENT, ENOTDIR) or memory runs out.  Individual files that are
 * absent or unreadable never fail the run: the check that needed them
 * says so in its evidence.
 */
MOAT_API struct moat_audit_report *moat_audit_run(const struct moat_audit_opts *opts,
						  struct moat_error *err);

/* Frees a report (NULL is fine). */
MOAT_API void moat_audit_report_free(struct moat_audit_report *r);

/* The number of checks in the report. */
MOAT_API size_t moat_audit_count(const struct moat_audit_report *r);

/* Check i (0 <= i < count), owned by the report; NULL when out of range. */
MOAT_API const struct moat_audit_check *moat_audit_check_at(const struct moat_audit_report *r,
							    size_t i);

/* The check with this id, or NULL. */
MOAT_API const struct moat_audit_check *moat_audit_find(const struct moat_audit_report *r,
							const char *id);

/* The worst verdict of the report (MOAT_AUDIT_INFO for an empty one). */
MOAT_API enum moat_audit_verdict moat_audit_worst(const struct moat_audit_report *r);

/* "info", "ok", "warn", "risk". */
MOAT_API const char *moat_audit_verdict_name(enum moat_audit_verdict v);

/*
 * Parses "info", "ok", "warn" or "risk".  Returns 0, or -EINVAL with err
 * naming the word.
 */
MOAT_API int moat_audit_verdict_parse(const char *s, enum moat_audit_verdict *v,
				      struct moat_error *err);

/*
 * Renders the report as text (one line per check: verdict, id, evidence,
 * then "fix:" with the remedy and indented items) or, with json, as one JSON
 * object {"root":..., "worst":..., "counts":{...}, "checks":[{...}]}.
 * Returns a malloc'd string the caller frees, or NULL with err (ENOMEM).
 */
MOAT_API char *moat_audit_render(const struct moat_audit_report *r, bool json,
				 struct moat_error *err);

#endif
