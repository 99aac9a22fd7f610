/*
 * moat's seccomp profile language (docs/seccomp.md), one statement a line:
 *
 *     # comment
 *     default errno EPERM
 *     allow read write close exit_group
 *     allow personality if arg0 == 0 || arg0 == 8
 *     allow clone if arg0 & 0x7e020000 == 0
 *     errno ENOSYS clone3
 *     with sys_admin allow mount umount2
 *     without sys_admin errno ENOSYS clone3
 *
 * A condition is a disjunction (||) of conjunctions (&&) of comparisons of
 * a 64-bit argument with a constant; each disjunct becomes one rule.
 * "with CAP" / "without CAP" prefixes (repeatable) make a rule depend on
 * the container's capabilities, as Docker's includes/excludes do: the
 * parser drops the rules whose condition fails for the capability set it
 * is given, or keeps the conditions (caps "keep").
 * Errors carry the file, line and column of the offending word.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/syscalls.h>

#include "compile/seccomp/policy.h"
#include "util/cleanup.h"

#define MAX_TOKS 512

struct tok {
	bool op;       /* an operator (== != < <= > >= & && ||) rather than a word */
	const char *s; /* not NUL-terminated */
	size_t len;
	int col;
};

struct line {
	const char *caps; /* sc_caps_opt() */
	struct tok t[MAX_TOKS];
	size_t n, i; /* token count, cursor */
	int lineno;
	int end_col; /* column just after the last byte, for "expected ..." at the end */
	const char *file;
	struct moat_error *err;
};

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

__attribute__((format(printf, 3, 4))) static int fail(struct line *l, int col, const char *fmt,
							    ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return moat_error_at(l->err, EINVAL, l->file, l->lineno, col, "%s", msg);
}

/* Splits s[0..len) (a line without its comment) into tokens. */
static int tokenize(struct line *l, const char *s, size_t len)
{
	size_t i = 0;
	l->n = l->i = 0;
	l->end_col = (int)len + 1;
	while (i < len) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (l->n == MAX_TOKS)
			return fail(l, (int)i + 1, "line has more than 512 words");
		struct tok *t = &l->t[l->n++];
		t->s = s + i;
		t->col = (int)i + 1;
		size_t j = i;
		if (is_word(c)) {
			t->op = false;
			while (j < len && is_word(s[j]))
				j++;
		} else if (strchr("=!<>&|", c)) {
			t->op = true;
			while (j < len && j - i < 2 && strchr("=!<>&|", s[j]))
				j++;
		} else {
			if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
				return fail(l, (int)i + 1, "unexpected byte 0x%02x", (unsigned char)c);
			return fail(l, (int)i + 1, "unexpected character '%c'", c);
		}
		t->len = j - i;
		i = j;
	}
	return 0;
}

static const struct tok *peek(struct line *l)
{
	return l->i < l->n ? &l->t[l->i] : NULL;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t && strlen(s) == t->len && !strncmp(t->s, s, t->len);
}

static int col_of(struct line *l)
{
	return l->i < l->n ? l->t[l->i].col : l->end_col;
}

/* A number: decimal, 0x hex or 0 octal, or its negation (two's complement). */
static int number(struct line *l, uint64_t *v)
{
	const struct tok *t = peek(l);
	if (!t || t->op)
		return fail(l, col_of(l), "expected a number");
	char buf[80];
	if (t->len >= sizeof(buf))
		return fail(l, t->col, "number '%.*s' too long", (int)t->len, t->s);
	memcpy(buf, t->s, t->len);
	buf[t->len] = 0;
	bool neg = buf[0] == '-';
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf + neg, &end, 0);
	if (end == buf + neg || *end || errno || buf[neg] == '-' || buf[neg] == '+')
		return fail(l, t->col, "expected a number, got '%.*s'", (int)t->len, t->s);
	*v = neg ? (uint64_t)0 - x : x;
	l->i++;
	return 0;
}

static const struct {
	const char *s;
	enum sc_op op;
} ops[] = { { "==", SC_EQ }, { "!=", SC_NE }, { "<", SC_LT },
	    { "<=", SC_LE }, { ">", SC_GT },  { ">=", SC_GE } };

/* argN OP NUMBER, or argN & MASK == VALUE */
static int comparison(struct line *l, struct sc_cmp *c)
{
	const struct tok *t = peek(l);
	if (!t || t->len != 4 || strncmp(t->s, "arg", 3) || t->s[3] < '0' || t->s[3] > '5')
		return t ? fail(l, t->col, "expected arg0 .. arg5, got '%.*s'", (int)t->len, t->s)
			 : fail(l, l->end_col, "expected arg0 .. arg5");
	c->arg = (uint8_t)(t->s[3] - '0');
	l->i++;
	t = peek(l);
	if (tok_is(t, "&")) {
		l->i++;
		c->op = SC_MASKED_EQ;
		if (number(l, &c->mask) < 0)
			return -EINVAL;
		t = peek(l);
		if (!tok_is(t, "=="))
			return fail(l, col_of(l), "expected '==' after the mask");
		l->i++;
		if (number(l, &c->value) < 0)
			return -EINVAL;
		if (c->value & ~c->mask)
			return fail(l, l->t[l->i - 1].col,
				    "value '%.*s' has bits outside the mask: never equal",
				    (int)l->t[l->i - 1].len, l->t[l->i - 1].s);
		return 0;
	}
	for (size_t k = 0; t && t->op && k < MOAT_ARRAY_SIZE(ops); k++) {
		if (tok_is(t, ops[k].s)) {
			l->i++;
			c->op = (uint8_t)ops[k].op;
			c->mask = ~0ull;
			return number(l, &c->value);
		}
	}
	return t ? fail(l, t->col, "expected a comparison (== != < <= > >= &), got '%.*s'", (int)t->len, t->s)
		 : fail(l, l->end_col, "expected a comparison (== != < <= > >= &)");
}

/* One conjunction into r (comparisons joined by &&). */
static int conjunction(struct line *l, struct sc_rule *r)
{
	r->ncmp = 0;
	for (;;) {
		if (r->ncmp == SC_MAX_CMPS)
			return fail(l, col_of(l), "more than 8 comparisons joined by '&&'");
		if (comparison(l, &r->cmp[r->ncmp++]) < 0)
			return -EINVAL;
		if (!tok_is(peek(l), "&&"))
			return 0;
		l->i++;
	}
}

/* ACTION [DATA]: the action's words, parsed by moat_seccomp_action_parse. */
static int action(struct line *l, uint32_t *a)
{
	const struct tok *t = peek(l);
	char buf[128];
	if (!t || t->op || t->len > 40)
		return fail(l, col_of(l), "expected an action (allow, errno, kill, trap, log, ...)");
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%.*s", (int)t->len, t->s);
	l->i++;
	if (tok_is(t, "errno") || tok_is(t, "trace")) {
		const struct tok *d = peek(l);
		if (d && !d->op && d->len < 60) {
			snprintf(buf + n, sizeof(buf) - n, " %.*s", (int)d->len, d->s);
			l->i++;
		}
	}
	if (moat_seccomp_action_parse(buf, a, l->err) < 0) {
		char msg[sizeof(l->err->msg)];
		snprintf(msg, sizeof(msg), "%s", l->err->msg);
		return moat_error_at(l->err, EINVAL, l->file, l->lineno, t->col, "%s", msg);
	}
	return 0;
}

/* [with CAP | without CAP]... : the rule's capability conditions.  *applies
 * is false when the set the parser resolves for fails one of them. */
static int cap_prefix(struct line *l, struct sc_rule *r, bool *applies)
{
	bool keep = l->caps && !strcmp(l->caps, "keep");
	*applies = true;
	for (const struct tok *t; (t = peek(l)) && (tok_is(t, "with") || tok_is(t, "without"));) {
		bool with = tok_is(t, "with");
		l->i++;
		const struct tok *c = peek(l);
		if (!c || c->op || !sc_cap_known(c->s, c->len))
			return fail(l, col_of(l), "expected a capability name after '%s' (sys_admin, "
						  "CAP_NET_RAW, ...)", with ? "with" : "without");
		l->i++;
		if (keep) {
			if (!sc_caps_append(with ? r->with : r->without, c->s, c->len))
				return fail(l, c->col, "too many capabilities in one rule");
		} else if (sc_caps_hold(l->caps, c->s, c->len) != with) {
			*applies = false;
		}
	}
	return 0;
}

/* [with CAP]... ACTION NAME... [if CONDITION] */
static int rule_line(struct line *l, struct moat_seccomp_policy *p)
{
	struct sc_rule r = { .line = l->lineno };
	bool applies;
	if (cap_prefix(l, &r, &applies) < 0 || action(l, &r.action) < 0)
		return -EINVAL;
	size_t first = l->i;
	while (l->i < l->n && !l->t[l->i].op && !tok_is(&l->t[l->i], "if"))
		l->i++;
	size_t last = l->i;
	if (first == last)
		return fail(l, col_of(l), "expected syscall names after the action");
	for (size_t k = first; k < last; k++) {
		char name[64];
		const struct tok *t = &l->t[k];
		snprintf(name, sizeof(name), "%.*s", (int)t->len, t->s);
		if (t->len >= sizeof(name) || moat_syscall_number(name) < 0)
			return fail(l, t->col, "unknown syscall '%.*s' (x86-64 names, as in man 2)", (int)t->len, t->s);
	}
	bool cond = tok_is(peek(l), "if");
	if (!cond && l->i < l->n)
		return fail(l, col_of(l), "expected 'if' or the end of the line, got '%.*s'",
			    (int)l->t[l->i].len, l->t[l->i].s);
	if (cond)
		l->i++;
	for (;;) {
		size_t at = l->i;
		if (cond && conjunction(l, &r) < 0)
			return -EINVAL;
		for (size_t k = first; k < last; k++) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)l->t[k].len, l->t[k].s);
			r.nr = moat_syscall_number(name);
			r.col = cond ? l->t[at].col : l->t[k].col;
			if (applies && sc_policy_add(p, &r, l->err) < 0)
				return -EINVAL;
		}
		if (!cond || l->i == l->n)
			return 0;
		if (!tok_is(peek(l), "||"))
			return fail(l, col_of(l), "expected '&&', '||' or the end of the line, got '%.*s'",
				    (int)l->t[l->i].len, l->t[l->i].s);
		l->i++;
	}
}

static int statement(struct line *l, struct moat_seccomp_policy *p)
{
	if (!l->n)
		return 0;
	if (!tok_is(&l->t[0], "default"))
		return rule_line(l, p);
	if (p->has_def)
		return fail(l, l->t[0].col, "second 'default' line");
	l->i = 1;
	if (action(l, &p->def) < 0)
		return -EINVAL;
	if (l->i < l->n)
		return fail(l, l->t[l->i].col, "unexpected '%.*s' after the default action",
			    (int)l->t[l->i].len, l->t[l->i].s);
	p->has_def = true;
	return 0;
}

struct moat_seccomp_policy *sc_parse_text(const char *text, size_t len, const char *name,
					  const char *caps, struct moat_error *err)
{
	struct moat_seccomp_policy *p = sc_policy_new(name, err);
	MOAT_AUTO(free) struct line *l = calloc(1, sizeof(*l));
	if (!p || !l) {
		moat_seccomp_policy_free(p);
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	l->file = p->name;
	l->err = err;
	l->caps = caps;
	size_t pos = 0;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + 1;
		l->lineno++;
		const char *hash = memchr(s, '#', n);
		const char *nul = memchr(s, '\0', n);
		if (nul && (!hash || nul < hash)) {
			fail(l, (int)(nul - s) + 1, "NUL byte in the profile");
			goto bad;
		}
		if (tokenize(l, s, hash ? (size_t)(hash - s) : n) < 0 || statement(l, p) < 0)
			goto bad;
	}
	if (!p->has_def) {
		moat_error_at(err, EINVAL, p->name, l->lineno ? l->lineno : 1, 1,
			      "no 'default' line: say what happens to the syscalls no rule names "
			      "(e.g. 'default errno EPERM')");
		goto bad;
	}
	return p;
bad:
	moat_seccomp_policy_free(p);
	return NULL;
}
