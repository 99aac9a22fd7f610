/*
 * The seccomp policy model: rules, their plain evaluation (the reference
 * the compiled programs are tested against), actions as the text format
 * spells them, and the entry points that pick a parser.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <moat/syscalls.h>

#include "compile/seccomp/policy.h"
#include "util/cleanup.h"

struct moat_seccomp_policy *sc_policy_new(const char *name, struct moat_error *err)
{
	struct moat_seccomp_policy *p = calloc(1, sizeof(*p));
	if (!p) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	return p;
}

void moat_seccomp_policy_free(struct moat_seccomp_policy *policy)
{
	if (!policy)
		return;
	vec_release(&policy->rules);
	free(policy);
}

static bool same_cmps(const struct sc_rule *a, const struct sc_rule *b)
{
	if (a->ncmp != b->ncmp)
		return false;
	for (uint32_t i = 0; i < a->ncmp; i++) {
		const struct sc_cmp *x = &a->cmp[i], *y = &b->cmp[i];
		if (x->arg != y->arg || x->op != y->op || x->value != y->value || x->mask != y->mask)
			return false;
	}
	return true;
}

int sc_policy_add(struct moat_seccomp_policy *p, const struct sc_rule *r, struct moat_error *err)
{
	for (size_t i = 0; !sc_rule_conditional(r) && i < p->rules.n; i++) {
		const struct sc_rule *o = &p->rules.v[i];
		if (o->nr != r->nr || sc_rule_conditional(o))
			continue;
		if (o->ncmp && !same_cmps(o, r))
			continue;
		/* o decides every call r would match: r can never apply */
		if (o->action == r->action)
			return 0;
		char a[32], b[32];
		return moat_error_at(err, EINVAL, p->name, r->line, r->col,
				     "%s: '%s' here conflicts with '%s' at line %d, which already "
				     "decides these calls", moat_syscall_name(r->nr),
				     moat_seccomp_action_str(r->action, a, sizeof(a)),
				     moat_seccomp_action_str(o->action, b, sizeof(b)), o->line);
	}
	if (vec_push(&p->rules, *r) < 0)
		return moat_error_set(err, ENOMEM, "out of memory");
	return 0;
}

bool sc_cmp_holds(const struct sc_cmp *c, uint64_t v)
{
	switch ((enum sc_op)c->op) {
	case SC_EQ: return v == c->value;
	case SC_NE: return v != c->value;
	case SC_LT: return v < c->value;
	case SC_LE: return v <= c->value;
	case SC_GT: return v > c->value;
	case SC_GE: return v >= c->value;
	case SC_MASKED_EQ: return (v & c->mask) == c->value;
	}
	return false;
}

const char *sc_op_str(enum sc_op op)
{
	static const char *const s[] = { "==", "!=", "<", "<=", ">", ">=", "&" };
	return (unsigned)op < MOAT_ARRAY_SIZE(s) ? s[op] : "?";
}

uint32_t sc_newer_action(uint32_t def)
{
	uint32_t a = def & MOAT_SECCOMP_ACTION_MASK;
	if (a == MOAT_SECCOMP_ALLOW || a == MOAT_SECCOMP_LOG)
		return def;
	return MOAT_SECCOMP_ERRNO(ENOSYS);
}

uint32_t moat_seccomp_policy_default(const struct moat_seccomp_policy *policy)
{
	return policy->def;
}

uint32_t moat_seccomp_policy_eval(const struct moat_seccomp_policy *policy,
				  const struct moat_seccomp_data *data)
{
	if (data->arch != MOAT_SECCOMP_ARCH_X86_64 || (uint32_t)data->nr >= MOAT_SECCOMP_X32_BIT)
		return MOAT_SECCOMP_KILL_PROCESS;
	if (data->nr > moat_syscall_max())
		return sc_newer_action(policy->def);
	for (size_t i = 0; i < policy->rules.n; i++) {
		const struct sc_rule *r = &policy->rules.v[i];
		if (r->nr != data->nr)
			continue;
		uint32_t k = 0;
		while (k < r->ncmp && sc_cmp_holds(&r->cmp[k], data->args[r->cmp[k].arg]))
			k++;
		if (k == r->ncmp)
			return r->action;
	}
	return policy->def;
}

/* ------------------------------------------------------------- capabilities */

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

/* Docker's default capability set. */
static const char *const docker_caps[] = {
	"chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid",
	"setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write",
};

/* cap without "CAP_", in a (len bytes); names compare without case. */
static bool cap_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen > 4 && !strncasecmp(a, "CAP_", 4))
		a += 4, alen -= 4;
	if (blen > 4 && !strncasecmp(b, "CAP_", 4))
		b += 4, blen -= 4;
	return alen == blen && !strncasecmp(a, b, alen);
}

static bool in_table(const char *const *t, size_t n, const char *cap, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (cap_eq(t[i], strlen(t[i]), cap, len))
			return true;
	return false;
}

bool sc_cap_known(const char *cap, size_t len)
{
	return in_table(cap_names, MOAT_ARRAY_SIZE(cap_names), cap, len);
}

const char *sc_caps_opt(const struct moat_seccomp_parse_opts *opts)
{
	const char *c = MOAT_OPTS_HAS(opts, moat_seccomp_parse_opts, caps) ? opts->caps : NULL;
	return c && !strcmp(c, "none") ? "" : c;
}

bool sc_caps_hold(const char *caps, const char *cap, size_t caplen)
{
	if (!caps)
		return in_table(docker_caps, MOAT_ARRAY_SIZE(docker_caps), cap, caplen);
	if (!strcmp(caps, "all"))
		return true;
	for (const char *p = caps; *p;) {
		size_t n = strcspn(p, ",");
		if (n && cap_eq(p, n, cap, caplen))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

bool sc_caps_append(char *list, const char *cap, size_t len)
{
	if (len > 4 && !strncasecmp(cap, "CAP_", 4))
		cap += 4, len -= 4;
	size_t at = strlen(list);
	if (at + (at != 0) + len + 1 > SC_CAPS_LEN)
		return false;
	if (at)
		list[at++] = ',';
	for (size_t i = 0; i < len; i++)
		list[at++] = (char)tolower((unsigned char)cap[i]);
	list[at] = '\0';
	return true;
}

/* ------------------------------------------------------------------ actions */

static const struct {
	const char *name;
	uint32_t action; /* data bits zero */
	bool data;       /* takes a number (errno, trace) */
} actions[] = {
	{ "allow", MOAT_SECCOMP_ALLOW, false },
	{ "errno", MOAT_SECCOMP_ERRNO(0), true },
	{ "kill", MOAT_SECCOMP_KILL_PROCESS, false },
	{ "kill-process", MOAT_SECCOMP_KILL_PROCESS, false },
	{ "kill-thread", MOAT_SECCOMP_KILL_THREAD, false },
	{ "trap", MOAT_SECCOMP_TRAP, false },
	{ "log", MOAT_SECCOMP_LOG, false },
	{ "trace", MOAT_SECCOMP_TRACE(0), true },
};

const char *moat_seccomp_action_str(uint32_t action, char *buf, size_t len)
{
	uint32_t a = action & MOAT_SECCOMP_ACTION_MASK, d = action & 0xffff;
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(actions); i++) {
		if (actions[i].action != a)
			continue;
		const char *en = a == MOAT_SECCOMP_ERRNO(0) ? strerrorname_np((int)d) : NULL;
		if (!actions[i].data)
			snprintf(buf, len, "%s", actions[i].name);
		else if (en)
			snprintf(buf, len, "%s %s", actions[i].name, en);
		else
			snprintf(buf, len, "%s %u", actions[i].name, d);
		return buf;
	}
	snprintf(buf, len, "0x%08x", action);
	return buf;
}

/* An errno number or name ("1", "EPERM") for the errno action: 0..4095. */
static int parse_data(const char *s, bool errno_names, uint32_t *out)
{
	char *end;
	if (*s >= '0' && *s <= '9') {
		unsigned long v = strtoul(s, &end, 0);
		if (*end || v > 4095)
			return -1;
		*out = (uint32_t)v;
		return 0;
	}
	for (int e = 1; errno_names && e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && !strcmp(n, s)) {
			*out = (uint32_t)e;
			return 0;
		}
	}
	return -1;
}

int moat_seccomp_action_parse(const char *s, uint32_t *action, struct moat_error *err)
{
	size_t wl = strcspn(s, " \t");
	const char *arg = s + wl + strspn(s + wl, " \t");
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(actions); i++) {
		if (strlen(actions[i].name) != wl || strncmp(actions[i].name, s, wl))
			continue;
		if (!actions[i].data) {
			if (*arg)
				return moat_error_set(err, EINVAL, "'%s' takes no argument", actions[i].name);
			*action = actions[i].action;
			return 0;
		}
		uint32_t d;
		bool is_errno = actions[i].action == MOAT_SECCOMP_ERRNO(0);
		if (parse_data(arg, is_errno, &d) < 0)
			return moat_error_set(err, EINVAL, "'%s' needs %s, not '%s'", actions[i].name,
					      is_errno ? "an errno (a number up to 4095 or a name like EPERM)"
						       : "a number up to 4095", arg);
		*action = actions[i].action | d;
		return 0;
	}
	return moat_error_set(err, EINVAL,
			      "unknown action '%.*s' (allow, errno, kill, kill-thread, trap, log, trace)",
			      (int)wl, s);
}

/* --------------------------------------------------------------- entry points */

struct moat_seccomp_policy *moat_seccomp_parse(const char *text, size_t len, const char *name,
					       const struct moat_seccomp_parse_opts *opts,
					       struct moat_error *err)
{
	moat_error_clear(err);
	enum moat_seccomp_format f = MOAT_OPTS_HAS(opts, moat_seccomp_parse_opts, format)
					     ? opts->format : MOAT_SECCOMP_FORMAT_AUTO;
	if (f == MOAT_SECCOMP_FORMAT_AUTO) {
		size_t i = 0;
		while (i < len && strchr(" \t\r\n", text[i]))
			i++;
		f = i < len && text[i] == '{' ? MOAT_SECCOMP_FORMAT_JSON : MOAT_SECCOMP_FORMAT_TEXT;
	}
	if (f == MOAT_SECCOMP_FORMAT_JSON)
		return sc_parse_docker(text, len, name, opts, err);
	return sc_parse_text(text, len, name, sc_caps_opt(opts), err);
}

struct moat_seccomp_policy *moat_seccomp_load(const char *path,
					      const struct moat_seccomp_parse_opts *opts,
					      struct moat_error *err)
{
	MOAT_AUTO(fclose) FILE *f = fopen(path, "rb");
	if (!f) {
		moat_error_set(err, errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t n = 0;
	MOAT_AUTO(free) char *buf = NULL;
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (n + got > (64u << 20)) {
			moat_error_set(err, EFBIG, "%s: profile larger than 64 MiB", path);
			return NULL;
		}
		char *nb = realloc(buf, n + got + 1);
		if (!nb) {
			moat_error_set(err, ENOMEM, "out of memory");
			return NULL;
		}
		buf = nb;
		memcpy(buf + n, chunk, got);
		n += got;
	}
	if (ferror(f)) {
		moat_error_set(err, EIO, "%s: read error", path);
		return NULL;
	}
	return moat_seccomp_parse(buf ? buf : "", n, path, opts, err);
}

const char *moat_seccomp_docker_default_text(void)
{
	return sc_docker_default_text;
}

struct moat_seccomp_policy *moat_seccomp_docker_default(struct moat_error *err)
{
	return moat_seccomp_builtin(NULL, err);
}

struct moat_seccomp_policy *moat_seccomp_builtin(const struct moat_seccomp_parse_opts *opts,
						 struct moat_error *err)
{
	return sc_parse_text(sc_docker_default_text, strlen(sc_docker_default_text),
			     "<docker-default>", sc_caps_opt(opts), err);
}
