/*
 * Docker/OCI (moby) JSON profiles, resolved the way moby resolves them for
 * one container on amd64 and the way runc installs them:
 *   - "includes"/"excludes" by architecture ("amd64"), by capability (the
 *     set the container keeps) and by "minKernel" drop entries that do not
 *     apply;
 *   - rule order is the file's; an ERRNO without "errnoRet" is EPERM (runc);
 *   - an entry's conditions are ANDed, except that an entry with two
 *     conditions on the same argument becomes one rule per condition (ORed),
 *     as runc and crun do for libseccomp;
 *   - syscall names moat's table does not know are skipped (runc, crun).
 * The filter moat compiles is for x86-64 only, whatever "archMap" says:
 * 32-bit and x32 calls are refused by the architecture check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include <moat/syscalls.h>

#include "compile/seccomp/jsonin.h"
#include "compile/seccomp/policy.h"

struct ctx {
	const char *file;
	const char *caps; /* sc_caps_opt(): NULL = Docker's defaults, "keep", ... */
	bool keep;        /* capability conditions stay in the rules */
	int kmaj, kmin;
	uint32_t default_errno;
	struct moat_seccomp_policy *p;
	struct moat_error *err;
};

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const struct jv *at,
						      const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return moat_error_at(c->err, EINVAL, c->file, at->line, at->col, "%s", msg);
}

static int want(struct ctx *c, const struct jv *v, enum jv_kind k, const char *what)
{
	if (v->kind != k)
		return fail(c, v, "%s must be %s, not %s", what, jv_kind_name(k), jv_kind_name(v->kind));
	return 0;
}

static int kernel_ge(struct ctx *c, const struct jv *v, bool *ge)
{
	int a = 0, b = 0;
	if (want(c, v, JV_STR, "\"minKernel\"") < 0)
		return -EINVAL;
	if (sscanf(v->s, "%d.%d", &a, &b) != 2)
		return fail(c, v, "\"minKernel\" must look like \"4.8\", not \"%s\"", v->s);
	*ge = c->kmaj > a || (c->kmaj == a && c->kmin >= b);
	return 0;
}

/*
 * Whether an entry survives its "includes" (every listed fact must hold:
 * the arch listed, every capability held, the kernel at least minKernel)
 * or its "excludes" (any listed fact drops it).
 */
static int entry_applies(struct ctx *c, const struct jv *f, bool includes, bool *applies,
			 struct sc_rule *conds)
{
	*applies = true;
	if (!f || f->kind == JV_NULL)
		return 0;
	if (want(c, f, JV_OBJ, includes ? "\"includes\"" : "\"excludes\"") < 0)
		return -EINVAL;
	const struct jv *lists[2] = { jv_get(f, "arches"), jv_get(f, "caps") };
	for (int k = 0; k < 2; k++) {
		const struct jv *list = lists[k];
		if (!list || list->kind == JV_NULL)
			continue;
		if (want(c, list, JV_ARR, k ? "\"caps\"" : "\"arches\"") < 0)
			return -EINVAL;
		if (!list->n)
			continue;
		bool any = false, all = true;
		for (size_t i = 0; i < list->n; i++) {
			const struct jv *it = &list->items[i];
			if (want(c, it, JV_STR, k ? "a capability" : "an architecture") < 0)
				return -EINVAL;
			if (k && c->keep) { /* kept as a condition of the rules */
				if (!sc_caps_append(includes ? conds->with : conds->without, it->s,
						    strlen(it->s)))
					return fail(c, it, "too many capabilities in one condition");
				continue;
			}
			bool m = k ? sc_caps_hold(c->caps, it->s, strlen(it->s)) : !strcmp(it->s, "amd64");
			any |= m;
			all &= m;
		}
		/* includes: amd64 listed, every capability held; excludes: any match */
		if (k && c->keep)
			continue;
		if (includes ? !(k ? all : any) : any)
			*applies = false;
	}
	const struct jv *mk = jv_get(f, "minKernel");
	if (mk && mk->kind != JV_NULL) {
		bool ge = false;
		if (kernel_ge(c, mk, &ge) < 0)
			return -EINVAL;
		if (includes != ge)
			*applies = false;
	}
	return 0;
}

static int action(struct ctx *c, const struct jv *where, const struct jv *a, const struct jv *ret,
		  uint32_t dflt_errno, uint32_t *out)
{
	uint32_t data = dflt_errno;
	if (!a)
		return fail(c, where, "missing \"action\"");
	if (want(c, a, JV_STR, "an action") < 0)
		return -EINVAL;
	if (ret && ret->kind != JV_NULL) {
		if (ret->kind != JV_NUM || !ret->is_int || ret->neg || ret->u > 4095)
			return fail(c, ret, "\"errnoRet\" must be an errno number (0 to 4095)");
		data = (uint32_t)ret->u;
	}
	static const struct {
		const char *name;
		uint32_t action;
	} t[] = {
		{ "SCMP_ACT_ALLOW", MOAT_SECCOMP_ALLOW },
		{ "SCMP_ACT_ERRNO", MOAT_SECCOMP_ERRNO(0) },
		{ "SCMP_ACT_KILL", MOAT_SECCOMP_KILL_THREAD },
		{ "SCMP_ACT_KILL_THREAD", MOAT_SECCOMP_KILL_THREAD },
		{ "SCMP_ACT_KILL_PROCESS", MOAT_SECCOMP_KILL_PROCESS },
		{ "SCMP_ACT_TRAP", MOAT_SECCOMP_TRAP },
		{ "SCMP_ACT_TRACE", MOAT_SECCOMP_TRACE(0) },
		{ "SCMP_ACT_LOG", MOAT_SECCOMP_LOG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(a->s, t[i].name))
			continue;
		bool takes = t[i].action == MOAT_SECCOMP_ERRNO(0) || t[i].action == MOAT_SECCOMP_TRACE(0);
		*out = t[i].action | (takes ? data : 0);
		return 0;
	}
	if (!strcmp(a->s, "SCMP_ACT_NOTIFY"))
		return fail(c, a, "SCMP_ACT_NOTIFY needs a user-space listener, which moat does not run");
	return fail(c, a, "unknown action \"%s\" (SCMP_ACT_ALLOW, _ERRNO, _KILL, _KILL_PROCESS, "
			  "_TRAP, _TRACE, _LOG)", a->s);
}

static int u64_field(struct ctx *c, const struct jv *arg, const char *k, bool need, uint64_t *v)
{
	const struct jv *f = jv_get(arg, k);
	*v = 0;
	if (!f || f->kind == JV_NULL) {
		if (need)
			return fail(c, arg, "argument condition without \"%s\"", k);
		return 0;
	}
	if (f->kind != JV_NUM || !f->is_int || f->neg)
		return fail(c, f, "\"%s\" must be an integer from 0 to 2^64-1", k);
	*v = f->u;
	return 0;
}

static int condition(struct ctx *c, const struct jv *arg, struct sc_cmp *out)
{
	static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
					   "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ" };
	uint64_t idx, v1, v2;
	if (want(c, arg, JV_OBJ, "an argument condition") < 0 ||
	    u64_field(c, arg, "index", true, &idx) < 0 || u64_field(c, arg, "value", true, &v1) < 0 ||
	    u64_field(c, arg, "valueTwo", false, &v2) < 0)
		return -EINVAL;
	if (idx > 5)
		return fail(c, jv_get(arg, "index"), "\"index\" must be 0 to 5, not %llu",
			    (unsigned long long)idx);
	const struct jv *op = jv_get(arg, "op");
	if (!op)
		return fail(c, arg, "argument condition without \"op\"");
	if (want(c, op, JV_STR, "\"op\"") < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(op->s, ops[i]))
			continue;
		out->arg = (uint8_t)idx;
		out->op = (uint8_t)i;
		out->value = i == SC_MASKED_EQ ? v2 : v1;
		out->mask = i == SC_MASKED_EQ ? v1 : ~0ull;
		if (i == SC_MASKED_EQ && (v2 & ~v1))
			return fail(c, arg, "SCMP_CMP_MASKED_EQ: \"valueTwo\" has bits outside the mask "
					    "\"value\"; the condition can never hold");
		return 0;
	}
	return fail(c, op, "unknown \"op\" \"%s\" (SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE, _MASKED_EQ)",
		    op->s);
}

/* The rules of one entry: one conjunction, or one rule per condition (see the top). */
static int entry_rules(struct ctx *c, const struct jv *e, struct sc_rule *rules, size_t *nrules)
{
	const struct jv *args = jv_get(e, "args");
	struct sc_rule base = { 0 };
	if (action(c, e, jv_get(e, "action"), jv_get(e, "errnoRet"), EPERM, &base.action) < 0)
		return -EINVAL;
	*nrules = 1;
	rules[0] = base;
	if (!args || args->kind == JV_NULL || (args->kind == JV_ARR && !args->n))
		return 0;
	if (want(c, args, JV_ARR, "\"args\"") < 0)
		return -EINVAL;
	if (args->n > SC_MAX_CMPS)
		return fail(c, args, "more than %d argument conditions", SC_MAX_CMPS);
	bool split = false;
	unsigned seen = 0;
	struct sc_cmp cmps[SC_MAX_CMPS];
	for (size_t i = 0; i < args->n; i++) {
		if (condition(c, &args->items[i], &cmps[i]) < 0)
			return -EINVAL;
		split |= (seen >> cmps[i].arg) & 1;
		seen |= 1u << cmps[i].arg;
	}
	*nrules = split ? args->n : 1;
	for (size_t i = 0; i < args->n; i++) {
		struct sc_rule *r = &rules[split ? i : 0];
		if (split)
			*r = base;
		r->cmp[r->ncmp++] = cmps[i];
	}
	return 0;
}

static int entry(struct ctx *c, const struct jv *e)
{
	bool inc, exc;
	struct sc_rule rules[SC_MAX_CMPS], conds = { 0 };
	size_t nrules;
	if (want(c, e, JV_OBJ, "a \"syscalls\" entry") < 0 ||
	    entry_applies(c, jv_get(e, "includes"), true, &inc, &conds) < 0 ||
	    entry_applies(c, jv_get(e, "excludes"), false, &exc, &conds) < 0 ||
	    entry_rules(c, e, rules, &nrules) < 0)
		return -EINVAL;
	for (size_t k = 0; k < nrules; k++) {
		memcpy(rules[k].with, conds.with, sizeof(conds.with));
		memcpy(rules[k].without, conds.without, sizeof(conds.without));
	}
	const struct jv *names = jv_get(e, "names"), *one = jv_get(e, "name");
	if (names && names->kind != JV_NULL && want(c, names, JV_ARR, "\"names\"") < 0)
		return -EINVAL;
	if (!names || names->kind == JV_NULL) {
		if (!one)
			return fail(c, e, "entry without \"names\"");
		names = NULL;
	}
	size_t n = names ? names->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct jv *nm = names ? &names->items[i] : one;
		if (want(c, nm, JV_STR, "a syscall name") < 0)
			return -EINVAL;
		int nr = moat_syscall_number(nm->s);
		if (!inc || !exc || nr < 0)
			continue; /* not for this container, or not an x86-64 call moat knows */
		for (size_t k = 0; k < nrules; k++) {
			rules[k].nr = nr;
			rules[k].line = nm->line;
			rules[k].col = nm->col;
			if (sc_policy_add(c->p, &rules[k], c->err) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

static int profile(struct ctx *c, const struct jv *root)
{
	if (want(c, root, JV_OBJ, "the profile") < 0)
		return -EINVAL;
	const struct jv *da = jv_get(root, "defaultAction");
	if (!da)
		return fail(c, root, "the profile has no \"defaultAction\"");
	if (action(c, root, da, jv_get(root, "defaultErrnoRet"), EPERM, &c->p->def) < 0)
		return -EINVAL;
	c->p->has_def = true;
	const struct jv *sys = jv_get(root, "syscalls");
	if (!sys || sys->kind == JV_NULL)
		return 0;
	if (want(c, sys, JV_ARR, "\"syscalls\"") < 0)
		return -EINVAL;
	for (size_t i = 0; i < sys->n; i++)
		if (entry(c, &sys->items[i]) < 0)
			return -EINVAL;
	return 0;
}

struct moat_seccomp_policy *sc_parse_docker(const char *text, size_t len, const char *name,
					    const struct moat_seccomp_parse_opts *opts,
					    struct moat_error *err)
{
	struct ctx c = { .file = name ? name : "", .err = err };
	c.caps = sc_caps_opt(opts);
	c.keep = c.caps && !strcmp(c.caps, "keep");
	const char *kv = MOAT_OPTS_HAS(opts, moat_seccomp_parse_opts, kernel) ? opts->kernel : NULL;
	struct utsname u;
	if (!kv && uname(&u) == 0)
		kv = u.release;
	if (!kv || sscanf(kv, "%d.%d", &c.kmaj, &c.kmin) != 2) {
		moat_error_set(err, EINVAL, "kernel version '%s' is not X.Y", kv ? kv : "?");
		return NULL;
	}
	struct jv root;
	c.p = sc_policy_new(name, err);
	if (!c.p || jv_parse(text, len, c.file, &root, err) < 0 || profile(&c, &root) < 0) {
		if (c.p)
			jv_release(&root);
		moat_seccomp_policy_free(c.p);
		return NULL;
	}
	jv_release(&root);
	return c.p;
}
