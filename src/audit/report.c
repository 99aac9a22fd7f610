/* The audit report: checks with verdicts, evidence, remedies and items; the run; text and JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/sbuf.h"

struct check_rec {
	struct moat_audit_check pub;
	char **items;
	size_t cap;
};

struct moat_audit_report {
	char *root;
	struct check_rec *checks;
	size_t n, cap;
	bool oom;
};

static const char *const verdict_names[] = { "info", "ok", "warn", "risk" };

const char *moat_audit_verdict_name(enum moat_audit_verdict v)
{
	return (unsigned)v < MOAT_ARRAY_SIZE(verdict_names) ? verdict_names[v] : "?";
}

int moat_audit_verdict_parse(const char *s, enum moat_audit_verdict *v, struct moat_error *err)
{
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(verdict_names); i++)
		if (!strcmp(s, verdict_names[i])) {
			*v = (enum moat_audit_verdict)i;
			return 0;
		}
	return moat_error_set(err, EINVAL, "unknown verdict '%s' (info, ok, warn or risk)", s);
}

__attribute__((format(printf, 1, 0))) static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

void audit_add(struct audit_ctx *c, const char *id, const char *group, enum moat_audit_verdict v,
	       const char *remedy, const char *fmt, ...)
{
	struct moat_audit_report *r = c->rep;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct check_rec *n = realloc(r->checks, cap * sizeof(*n));
		if (!n) {
			r->oom = true;
			return;
		}
		r->checks = n;
		r->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *ev = vfmt(fmt, ap);
	va_end(ap);
	char *rem = strdup(remedy ? remedy : "");
	char *dupid = strdup(id);
	if (!ev || !rem || !dupid) {
		free(ev);
		free(rem);
		free(dupid);
		r->oom = true;
		return;
	}
	r->checks[r->n++] = (struct check_rec){
		.pub = { .id = dupid, .group = group, .verdict = v, .evidence = ev, .remedy = rem },
	};
}

void audit_item(struct audit_ctx *c, const char *fmt, ...)
{
	struct moat_audit_report *r = c->rep;
	if (!r->n)
		return;
	struct check_rec *k = &r->checks[r->n - 1];
	if (k->pub.nitems == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 8;
		char **n = realloc(k->items, cap * sizeof(*n));
		if (!n) {
			r->oom = true;
			return;
		}
		k->items = n;
		k->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(fmt, ap);
	va_end(ap);
	if (!s) {
		r->oom = true;
		return;
	}
	k->items[k->pub.nitems++] = s;
	k->pub.items = (const char *const *)k->items;
}

void moat_audit_report_free(struct moat_audit_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free((char *)r->checks[i].pub.id);
		free((char *)r->checks[i].pub.evidence);
		free((char *)r->checks[i].pub.remedy);
		for (size_t j = 0; j < r->checks[i].pub.nitems; j++)
			free(r->checks[i].items[j]);
		free(r->checks[i].items);
	}
	free(r->checks);
	free(r->root);
	free(r);
}

size_t moat_audit_count(const struct moat_audit_report *r)
{
	return r ? r->n : 0;
}

const struct moat_audit_check *moat_audit_check_at(const struct moat_audit_report *r, size_t i)
{
	return r && i < r->n ? &r->checks[i].pub : NULL;
}

const struct moat_audit_check *moat_audit_find(const struct moat_audit_report *r, const char *id)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->checks[i].pub.id, id))
			return &r->checks[i].pub;
	return NULL;
}

enum moat_audit_verdict moat_audit_worst(const struct moat_audit_report *r)
{
	enum moat_audit_verdict w = MOAT_AUDIT_INFO;
	for (size_t i = 0; r && i < r->n; i++)
		if (r->checks[i].pub.verdict > w)
			w = r->checks[i].pub.verdict;
	return w;
}

/* The root as given, without trailing slashes; "" for this machine. */
static char *normal_root(const char *root)
{
	if (!root)
		root = "/";
	size_t n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		n--;
	return strndup(root, n);
}

struct moat_audit_report *moat_audit_run(const struct moat_audit_opts *opts, struct moat_error *err)
{
	const char *root = MOAT_OPTS_HAS(opts, moat_audit_opts, root) ? opts->root : NULL;
	struct moat_audit_report *r = calloc(1, sizeof(*r));
	if (!r || !(r->root = normal_root(root))) {
		free(r);
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	struct stat st;
	int e = !*r->root ? 0 : stat(r->root, &st) < 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (e) {
		moat_error_set(err, e, "%s: %s", root, strerror(e));
		moat_audit_report_free(r);
		return NULL;
	}
	struct audit_ctx c = { .root = r->root, .rep = r };
	bool live = !*r->root && !(MOAT_OPTS_HAS(opts, moat_audit_opts, no_kernel) && opts->no_kernel);
	struct moat_kinv *own_inv = NULL;
	int *own_tgids = NULL;
	struct moat_error kerr;
	char inv_why[900] = "", tasks_why[900] = "";
	if (MOAT_OPTS_HAS(opts, moat_audit_opts, inventory) && opts->inventory) {
		c.inv = opts->inventory;
	} else if (live) {
		c.inv = own_inv = moat_kinv_collect(&kerr);
		if (!c.inv)
			snprintf(inv_why, sizeof(inv_why), "the kernel refused: %s%s", kerr.msg,
				 kerr.errnum == EPERM ? " (run moat audit as root)" : "");
	} else {
		snprintf(inv_why, sizeof(inv_why), "not examined: %s",
			 *r->root ? "--root reads a tree, not the running kernel" : "kernel queries disabled");
	}
	if (MOAT_OPTS_HAS(opts, moat_audit_opts, have_tgids) && opts->have_tgids) {
		c.tgids = opts->tgids;
		c.ntgids = opts->ntgids;
		c.have_tgids = true;
	} else if (live) {
		c.have_tgids = moat_ktasks_list(&own_tgids, &c.ntgids, &kerr) == 0;
		c.tgids = own_tgids;
		if (!c.have_tgids)
			snprintf(tasks_why, sizeof(tasks_why), "the task iterator failed: %s%s", kerr.msg,
				 kerr.errnum == EPERM ? " (run moat audit as root)" : "");
	} else {
		snprintf(tasks_why, sizeof(tasks_why), "not examined: %s",
			 *r->root ? "--root reads a tree, not the running kernel" : "kernel queries disabled");
	}
	c.live = !*r->root;
	c.inv_why = inv_why;
	c.tgids_why = tasks_why;
	audit_modules(&c);
	audit_bpf(&c);
	audit_cpu(&c);
	audit_isolation(&c);
	audit_hiding(&c);
	audit_kconfig(&c);
	free(c.config);
	free(own_tgids);
	moat_kinv_free(own_inv);
	if (r->oom) {
		moat_audit_report_free(r);
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	return r;
}

static void render_text(const struct moat_audit_report *r, struct sbuf *b)
{
	size_t counts[4] = { 0 };
	const char *group = "";
	for (size_t i = 0; i < r->n; i++) {
		const struct moat_audit_check *k = &r->checks[i].pub;
		counts[k->verdict]++;
		if (strcmp(group, k->group)) {
			sbuf_printf(b, "%s[%s]\n", *group ? "\n" : "", k->group);
			group = k->group;
		}
		sbuf_printf(b, "%-4s  %-30s %s\n", moat_audit_verdict_name(k->verdict), k->id, k->evidence);
		for (size_t j = 0; j < k->nitems; j++)
			sbuf_printf(b, "      %-30s   %s\n", "", k->items[j]);
		if (*k->remedy)
			sbuf_printf(b, "      %-30s fix: %s\n", "", k->remedy);
	}
	sbuf_printf(b, "\n%zu checks: %zu risk, %zu warn, %zu ok, %zu info\n", r->n,
		    counts[MOAT_AUDIT_RISK], counts[MOAT_AUDIT_WARN], counts[MOAT_AUDIT_OK],
		    counts[MOAT_AUDIT_INFO]);
}

static void render_json(const struct moat_audit_report *r, struct sbuf *b)
{
	struct json j = { .out = b };
	size_t counts[4] = { 0 };
	for (size_t i = 0; i < r->n; i++)
		counts[r->checks[i].pub.verdict]++;
	json_obj(&j);
	json_kstr(&j, "root", *r->root ? r->root : "/");
	json_kstr(&j, "worst", moat_audit_verdict_name(moat_audit_worst(r)));
	json_key(&j, "counts");
	json_obj(&j);
	for (int v = MOAT_AUDIT_RISK; v >= MOAT_AUDIT_INFO; v--)
		json_kuint(&j, verdict_names[v], counts[v]);
	json_end(&j);
	json_key(&j, "checks");
	json_arr(&j);
	for (size_t i = 0; i < r->n; i++) {
		const struct moat_audit_check *k = &r->checks[i].pub;
		json_obj(&j);
		json_kstr(&j, "id", k->id);
		json_kstr(&j, "group", k->group);
		json_kstr(&j, "verdict", moat_audit_verdict_name(k->verdict));
		json_kstr(&j, "evidence", k->evidence);
		json_kstr(&j, "remedy", k->remedy);
		json_key(&j, "items");
		json_arr(&j);
		for (size_t n = 0; n < k->nitems; n++)
			json_str(&j, k->items[n]);
		json_end(&j);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	sbuf_putc(b, '\n');
}

char *moat_audit_render(const struct moat_audit_report *r, bool json, struct moat_error *err)
{
	struct sbuf b = { 0 };
	if (json)
		render_json(r, &b);
	else
		render_text(r, &b);
	if (b.oom) {
		sbuf_release(&b);
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	return sbuf_take(&b);
}
