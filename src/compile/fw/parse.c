/*
 * The rule file parser (grammar in docs/fw.md).  One statement a line:
 * macro definitions, tables, defaults and rules.  Macros are expanded at
 * the token level, statement by statement, and their tokens take the
 * position of the `$name` that uses them, so an error inside a macro
 * points at the use.  The first error stops the parse.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/fw/fw_internal.h"

struct macro {
	char *name;
	fw_toks toks;
};

struct parser {
	const char *file;
	struct moat_fw_rules *rs;
	const struct moat_fw_parse_opts *opts;
	VEC(struct macro) macros;
	fw_toks st; /* the statement being parsed, macros expanded (borrowed texts) */
	size_t i;
	struct moat_error *err;
};

static const struct fw_tok *peek(struct parser *p)
{
	return &p->st.v[p->i];
}

static const struct fw_tok *next(struct parser *p)
{
	const struct fw_tok *t = &p->st.v[p->i];
	if (t->kind != FT_NL)
		p->i++;
	return t;
}

static bool is_word(const struct fw_tok *t, const char *w)
{
	return t->kind == FT_WORD && !strcmp(t->text, w);
}

static bool accept(struct parser *p, const char *w)
{
	if (!is_word(peek(p), w))
		return false;
	p->i++;
	return true;
}

static int fail(struct parser *p, const struct fw_tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct parser *p, const struct fw_tok *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return moat_error_at(p->err, EINVAL, p->file, t->line, t->col, "%s", msg);
}

static int expected(struct parser *p, const char *what)
{
	const struct fw_tok *t = peek(p);
	if (t->kind == FT_NL)
		return moat_error_at(p->err, EINVAL, p->file, t->line, t->col,
				     "expected %s at the end of the line", what);
	return moat_error_at(p->err, EINVAL, p->file, t->line, t->col, "expected %s, got '%s'",
			     what, fw_tok_name(t));
}

static struct macro *find_macro(struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->macros.n; i++)
		if (!strcmp(p->macros.v[i].name, name))
			return &p->macros.v[i];
	return NULL;
}

/* Appends tokens [from, to) to the statement, expanding macros. */
static int expand(struct parser *p, const struct fw_tok *from, const struct fw_tok *to,
		  const struct fw_tok *at, int depth)
{
	for (const struct fw_tok *t = from; t < to; t++) {
		if (t->kind == FT_NL || t->kind == FT_EOF)
			continue;
		const struct fw_tok *pos = at ? at : t;
		if (t->kind == FT_MACRO) {
			struct macro *m = find_macro(p, t->text);
			if (!m)
				return fail(p, pos, "undefined macro '$%s'", t->text);
			if (depth >= 16)
				return fail(p, pos, "macro '$%s' expands into itself", t->text);
			int r = expand(p, m->toks.v, m->toks.v + m->toks.n, pos, depth + 1);
			if (r < 0)
				return r;
			continue;
		}
		struct fw_tok c = { t->kind, t->text, pos->line, pos->col };
		if (vec_push(&p->st, c) < 0)
			return moat_error_set(p->err, ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_u16(struct parser *p, const struct fw_tok *t, const char *s, uint16_t *v)
{
	char *e;
	if (!*s || *s < '0' || *s > '9')
		return fail(p, t, "expected a port number, got '%s'", s);
	unsigned long n = strtoul(s, &e, 10);
	if (*e || n > 65535)
		return fail(p, t, "expected a port number (0-65535), got '%s'", s);
	*v = (uint16_t)n;
	return 0;
}

static int add_range(struct parser *p, struct fw_ports *ps, unsigned lo, unsigned hi,
		     const struct fw_tok *t)
{
	if (lo > hi)
		return fail(p, t, "empty port range '%s'", fw_tok_name(t));
	struct fw_range r = { (uint16_t)lo, (uint16_t)hi };
	if (vec_push(&ps->r, r) < 0)
		return moat_error_set(p->err, ENOMEM, "out of memory");
	return 0;
}

/* One port item: N, N:M, != N, < N, <= N, > N, >= N. */
static int port_item(struct parser *p, struct fw_ports *ps)
{
	const struct fw_tok *op = peek(p);
	enum fw_tok_kind k = op->kind;
	if (k == FT_NE || k == FT_LT || k == FT_LE || k == FT_GT || k == FT_GE)
		next(p);
	else
		k = FT_EQ;
	const struct fw_tok *t = peek(p);
	if (t->kind != FT_WORD)
		return expected(p, "a port number");
	next(p);
	uint16_t a, b;
	const char *colon = strchr(t->text, ':');
	if (colon && k == FT_EQ) {
		char lo[16];
		size_t n = (size_t)(colon - t->text);
		if (n >= sizeof(lo))
			return fail(p, t, "expected a port range, got '%s'", t->text);
		memcpy(lo, t->text, n);
		lo[n] = 0;
		if (parse_u16(p, t, lo, &a) < 0 || parse_u16(p, t, colon + 1, &b) < 0)
			return -EINVAL;
		return add_range(p, ps, a, b, t);
	}
	if (parse_u16(p, t, t->text, &a) < 0)
		return -EINVAL;
	if (k == FT_NE) {
		if (a > 0 && add_range(p, ps, 0, a - 1u, t) < 0)
			return -EINVAL;
		return a < 65535 ? add_range(p, ps, a + 1u, 65535, t) : 0;
	}
	if (k == FT_LT)
		return a == 0 ? fail(p, t, "no port is below %s", t->text)
			      : add_range(p, ps, 0, a - 1u, t);
	if (k == FT_LE)
		return add_range(p, ps, 0, a, t);
	if (k == FT_GT)
		return a == 65535 ? fail(p, t, "no port is above %s", t->text)
				  : add_range(p, ps, a + 1u, 65535, t);
	if (k == FT_GE)
		return add_range(p, ps, a, 65535, t);
	return add_range(p, ps, a, a, t);
}

static int cmp_range(const void *a, const void *b)
{
	const struct fw_range *x = a, *y = b;
	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : (x->hi < y->hi ? -1 : x->hi > y->hi);
}

static int parse_ports(struct parser *p, struct fw_ports *ps)
{
	const struct fw_tok *at = peek(p);
	if (ps->set)
		return fail(p, at, "%s: port given twice", "port");
	ps->set = true;
	int r;
	if (at->kind == FT_LBRACE) {
		next(p);
		while (peek(p)->kind != FT_RBRACE) {
			if (peek(p)->kind == FT_COMMA) {
				next(p);
				continue;
			}
			if ((r = port_item(p, ps)) < 0)
				return r;
		}
		next(p);
		if (!ps->r.n)
			return fail(p, at, "empty port list%s", "");
	} else if ((r = port_item(p, ps)) < 0) {
		return r;
	}
	/* Normalize: sorted, overlapping and adjacent ranges merged. */
	qsort(ps->r.v, ps->r.n, sizeof(*ps->r.v), cmp_range);
	size_t o = 0;
	for (size_t i = 0; i < ps->r.n; i++) {
		if (o && (unsigned)ps->r.v[o - 1].hi + 1 >= ps->r.v[i].lo) {
			if (ps->r.v[i].hi > ps->r.v[o - 1].hi)
				ps->r.v[o - 1].hi = ps->r.v[i].hi;
		} else {
			ps->r.v[o++] = ps->r.v[i];
		}
	}
	ps->r.n = o;
	return 0;
}

static int host_addr(struct parser *p, struct fw_host *h)
{
	const struct fw_tok *t = peek(p);
	struct fw_prefix pf;
	if (t->kind != FT_WORD)
		return expected(p, "an address");
	if (!fw_prefix_parse(t->text, &pf))
		return fail(p, t, "expected an address or prefix, got '%s'", t->text);
	next(p);
	if (vec_push(&h->pfx, pf) < 0)
		return moat_error_set(p->err, ENOMEM, "out of memory");
	return 0;
}

static int find_table(struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->rs->tables.n; i++)
		if (!strcmp(p->rs->tables.v[i].name, name))
			return (int)i;
	return -1;
}

/* <name> after the '<': returns the name token. */
static const struct fw_tok *table_name(struct parser *p)
{
	const struct fw_tok *t = peek(p);
	if (t->kind != FT_WORD) {
		expected(p, "a table name after '<'");
		return NULL;
	}
	next(p);
	if (peek(p)->kind != FT_GT) {
		expected(p, "'>' after the table name");
		return NULL;
	}
	next(p);
	return t;
}

static int parse_host(struct parser *p, struct fw_host *h)
{
	if (peek(p)->kind == FT_BANG) {
		next(p);
		h->neg = true;
	}
	const struct fw_tok *t = peek(p);
	if (!h->neg && is_word(t, "port")) { /* "to port 22": any host */
		h->kind = FW_HOST_ANY;
		return 0;
	}
	if (accept(p, "any")) {
		if (h->neg)
			return fail(p, t, "'! %s' matches nothing", "any");
		h->kind = FW_HOST_ANY;
		return 0;
	}
	if (t->kind == FT_LT) {
		next(p);
		const struct fw_tok *n = table_name(p);
		if (!n)
			return -EINVAL;
		h->kind = FW_HOST_TABLE;
		h->table = find_table(p, n->text);
		if (h->table < 0)
			return fail(p, n, "unknown table <%s>", n->text);
		p->rs->tables.v[h->table].used = true;
		return 0;
	}
	h->kind = FW_HOST_LIST;
	if (t->kind != FT_LBRACE)
		return host_addr(p, h);
	next(p);
	while (peek(p)->kind != FT_RBRACE) {
		int r = peek(p)->kind == FT_COMMA ? (next(p), 0) : host_addr(p, h);
		if (r < 0)
			return r;
	}
	next(p);
	if (!h->pfx.n)
		return fail(p, t, "empty address list%s", "");
	return 0;
}

static int parse_proto_one(struct parser *p, struct fw_rule *r)
{
	static const struct { const char *name; int num; } names[] = {
		{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
		{ "esp", 50 }, { "ah", 51 }, { "icmp6", 58 }, { "ipv6-icmp", 58 }, { "sctp", 132 },
	};
	const struct fw_tok *t = peek(p);
	if (t->kind != FT_WORD)
		return expected(p, "a protocol");
	int num = -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].name, t->text))
			num = names[i].num;
	if (num < 0) {
		char *e;
		long v = strtol(t->text, &e, 10);
		if (*e || t->text[0] < '0' || t->text[0] > '9' || v > 255)
			return fail(p, t, "unknown protocol '%s'", t->text);
		num = (int)v;
	}
	next(p);
	r->protos[num / 64] |= 1ull << (num % 64);
	return 0;
}

static int parse_protos(struct parser *p, struct fw_rule *r)
{
	r->proto_set = true;
	if (peek(p)->kind != FT_LBRACE)
		return parse_proto_one(p, r);
	const struct fw_tok *at = next(p);
	while (peek(p)->kind != FT_RBRACE) {
		int e = peek(p)->kind == FT_COMMA ? (next(p), 0) : parse_proto_one(p, r);
		if (e < 0)
			return e;
	}
	next(p);
	if (!(r->protos[0] | r->protos[1] | r->protos[2] | r->protos[3]))
		return fail(p, at, "empty protocol list%s", "");
	return 0;
}

static int flag_bits(struct parser *p, const struct fw_tok *t, const char *s, size_t n, uint8_t *v)
{
	static const char letters[] = "FSRPAUEW";
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		const char *c = strchr(letters, s[i]);
		if (!c || !s[i])
			return fail(p, t, "unknown TCP flag in '%s' (flags are F S R P A U E W)",
				    t->text);
		*v |= (uint8_t)(1u << (c - letters));
	}
	return 0;
}

static int parse_flags(struct parser *p, struct fw_rule *r)
{
	const struct fw_tok *t = peek(p);
	if (accept(p, "any")) {
		r->flags_set = false;
		r->flags_any = true;
		return 0;
	}
	if (t->kind != FT_WORD)
		return expected(p, "TCP flags such as S/SA");
	next(p);
	const char *slash = strchr(t->text, '/');
	size_t n = slash ? (size_t)(slash - t->text) : strlen(t->text);
	if (flag_bits(p, t, t->text, n, &r->flags) < 0)
		return -EINVAL;
	if (slash) {
		if (flag_bits(p, t, slash + 1, strlen(slash + 1), &r->mask) < 0)
			return -EINVAL;
	} else {
		r->mask = 0xff;
	}
	if (!r->mask || (r->flags & ~r->mask))
		return fail(p, t, "flags '%s': the set flags must be inside the mask", t->text);
	r->flags_set = true;
	r->flags_any = false;
	return 0;
}

/* Options after the addresses: flags, keep/no state, label. */
static int rule_options(struct parser *p, struct fw_rule *r)
{
	int e;
	for (;;) {
		if (peek(p)->kind == FT_NL)
			return 0;
		if (accept(p, "flags")) {
			if ((e = parse_flags(p, r)) < 0)
				return e;
		} else if (accept(p, "keep") || accept(p, "modulate")) {
			if (!accept(p, "state"))
				return expected(p, "'state'");
			r->keep_state = true;
		} else if (accept(p, "no")) {
			if (!accept(p, "state"))
				return expected(p, "'state'");
			r->keep_state = false;
		} else if (accept(p, "label")) {
			const struct fw_tok *l = peek(p);
			if (l->kind != FT_STRING)
				return expected(p, "a quoted label");
			free(r->label);
			if (!(r->label = strdup(l->text)))
				return moat_error_set(p->err, ENOMEM, "out of memory");
			next(p);
		} else {
			return expected(p, "a rule option (flags, keep state, label) or the end of "
					   "the rule");
		}
	}
}

/* pf's consistency rules: ports and flags belong to protocols that have
 * them; addresses agree with inet/inet6. */
static int rule_check(struct parser *p, struct fw_rule *r, const struct fw_tok *first)
{
	bool tcp_udp_only = r->proto_set && !(r->protos[0] & ~((1ull << 6) | (1ull << 17))) &&
			    !(r->protos[1] | r->protos[2] | r->protos[3]);
	bool tcp_only = r->proto_set && r->protos[0] == 1ull << 6 &&
			!(r->protos[1] | r->protos[2] | r->protos[3]);
	if ((r->sport.set || r->dport.set) && !tcp_udp_only)
		return fail(p, first, "%s: port needs 'proto tcp' or 'proto udp'",
			    r->pass ? "pass" : "block");
	if (r->flags_set && !tcp_only)
		return fail(p, first, "%s: flags need 'proto tcp'", r->pass ? "pass" : "block");
	for (int s = 0; s < 2; s++) {
		const struct fw_host *h = s ? &r->to : &r->from;
		for (size_t i = 0; r->af && i < h->pfx.n; i++) {
			bool v4 = h->pfx.v[i].plen >= 96 && h->pfx.v[i].a[10] == 0xff &&
				  h->pfx.v[i].a[11] == 0xff;
			if ((r->af == 4) != v4) {
				struct sbuf b = { 0 };
				fw_prefix_print(&h->pfx.v[i], &b);
				int e = fail(p, first, "address %s is not an %s address",
					     b.s ? b.s : "?", r->af == 4 ? "inet" : "inet6");
				sbuf_release(&b);
				return e;
			}
		}
	}
	return 0;
}

static int parse_rule(struct parser *p, struct fw_rule *r)
{
	const struct fw_tok *first = peek(p);
	r->line = first->line;
	r->col = first->col;
	r->pass = is_word(first, "pass");
	next(p);
	if (!r->pass)
		(void)(accept(p, "drop") || accept(p, "return"));
	if (accept(p, "in"))
		r->dir = FW_DIR_IN;
	else if (accept(p, "out"))
		r->dir = FW_DIR_OUT;
	for (;;) {
		if (accept(p, "log"))
			r->log = true;
		else if (accept(p, "quick"))
			r->quick = true;
		else
			break;
	}
	if (accept(p, "on")) {
		const struct fw_tok *t = peek(p);
		if (t->kind != FT_WORD)
			return expected(p, "an interface name after 'on'");
		if (strlen(t->text) >= sizeof(r->iface))
			return fail(p, t, "interface name '%s' is too long", t->text);
		strcpy(r->iface, t->text);
		next(p);
	}
	if (accept(p, "inet"))
		r->af = 4;
	else if (accept(p, "inet6"))
		r->af = 6;
	int e;
	if (accept(p, "proto") && (e = parse_protos(p, r)) < 0)
		return e;
	if (!accept(p, "all")) {
		if (accept(p, "from")) {
			if ((e = parse_host(p, &r->from)) < 0)
				return e;
			if (accept(p, "port") && (e = parse_ports(p, &r->sport)) < 0)
				return e;
		}
		if (accept(p, "to")) {
			if ((e = parse_host(p, &r->to)) < 0)
				return e;
			if (accept(p, "port") && (e = parse_ports(p, &r->dport)) < 0)
				return e;
		}
	}
	if ((e = rule_options(p, r)) < 0)
		return e;
	return rule_check(p, r, first);
}

static int parse_table(struct parser *p)
{
	const struct fw_tok *kw = next(p);
	if (peek(p)->kind != FT_LT)
		return expected(p, "'<' and a table name");
	next(p);
	const struct fw_tok *n = table_name(p);
	if (!n)
		return -EINVAL;
	if (find_table(p, n->text) >= 0)
		return fail(p, n, "table <%s> is defined twice", n->text);
	if (strlen(n->text) > 32)
		return fail(p, n, "table name '%s' is longer than 32 characters", n->text);
	struct fw_table t = { .name = strdup(n->text), .line = kw->line, .col = kw->col };
	if (!t.name || vec_push(&p->rs->tables, t) < 0) {
		free(t.name);
		return moat_error_set(p->err, ENOMEM, "out of memory");
	}
	struct fw_table *tb = &p->rs->tables.v[p->rs->tables.n - 1];
	while (peek(p)->kind != FT_NL) {
		const struct fw_tok *at = peek(p);
		if (accept(p, "persist") || accept(p, "const"))
			continue;
		if (accept(p, "file")) {
			const struct fw_tok *f = peek(p);
			if (f->kind != FT_STRING)
				return expected(p, "a quoted file name");
			next(p);
			if (!(p->opts && MOAT_OPTS_HAS(p->opts, moat_fw_parse_opts, no_table_files) &&
			      p->opts->no_table_files) &&
			    fw_table_read_file(tb, f->text, p->file, f->line, f->col, p->err) < 0)
				return -EINVAL;
			continue;
		}
		if (at->kind != FT_LBRACE)
			return expected(p, "'{', 'file' or the end of the table");
		next(p);
		while (peek(p)->kind != FT_RBRACE) {
			if (peek(p)->kind == FT_COMMA) {
				next(p);
				continue;
			}
			const struct fw_tok *a = peek(p);
			struct fw_prefix pf;
			if (a->kind != FT_WORD || !fw_prefix_parse(a->text, &pf))
				return expected(p, "an address");
			next(p);
			if (vec_push(&tb->pfx, pf) < 0)
				return moat_error_set(p->err, ENOMEM, "out of memory");
		}
		next(p);
	}
	return 0;
}

static int parse_set(struct parser *p)
{
	next(p);
	if (!accept(p, "default"))
		return expected(p, "'default' (the only setting)");
	bool pass = accept(p, "pass");
	if (!pass && !accept(p, "block"))
		return expected(p, "'pass' or 'block'");
	if (accept(p, "in"))
		p->rs->default_pass[FW_DIR_IN] = pass;
	else if (accept(p, "out"))
		p->rs->default_pass[FW_DIR_OUT] = pass;
	else
		p->rs->default_pass[FW_DIR_IN] = p->rs->default_pass[FW_DIR_OUT] = pass;
	return 0;
}

static int parse_macro(struct parser *p, const struct fw_tok *name)
{
	p->i += 2; /* name = */
	const struct fw_tok *v = peek(p);
	if (v->kind != FT_STRING)
		return expected(p, "a quoted macro value");
	next(p);
	struct macro m = { 0 };
	struct moat_error lerr;
	if (fw_lex(v->text, strlen(v->text), p->file, &m.toks, &lerr) < 0) {
		fw_toks_release(&m.toks);
		return moat_error_at(p->err, EINVAL, p->file, v->line, v->col + lerr.col,
				     "in macro '%s': %s", name->text, lerr.msg);
	}
	struct macro *old = find_macro(p, name->text);
	if (old) {
		fw_toks_release(&old->toks);
		old->toks = m.toks;
		return 0;
	}
	if (!(m.name = strdup(name->text)) || vec_push(&p->macros, m) < 0) {
		free(m.name);
		fw_toks_release(&m.toks);
		return moat_error_set(p->err, ENOMEM, "out of memory");
	}
	return 0;
}

static void fw_rule_release(struct fw_rule *r)
{
	vec_release(&r->from.pfx);
	vec_release(&r->to.pfx);
	vec_release(&r->sport.r);
	vec_release(&r->dport.r);
	free(r->sport.text);
	free(r->dport.text);
	free(r->label);
}


static int rule_release_push(struct parser *p, struct fw_rule *r, int e)
{
	if (e == 0 && p->rs->rules.n >= 100000)
		e = moat_error_at(p->err, E2BIG, p->file, r->line, r->col,
				  "more than 100000 rules");
	if (e == 0 && vec_push(&p->rs->rules, *r) < 0)
		e = moat_error_set(p->err, ENOMEM, "out of memory");
	if (e < 0)
		fw_rule_release(r);
	return e;
}

static int statement(struct parser *p)
{
	const struct fw_tok *t = peek(p);
	if (t->kind == FT_WORD && p->st.n > 1 && p->st.v[1].kind == FT_EQ)
		return parse_macro(p, t);
	if (is_word(t, "table"))
		return parse_table(p);
	if (is_word(t, "set"))
		return parse_set(p);
	if (is_word(t, "pass") || is_word(t, "block")) {
		struct fw_rule r = { 0 };
		return rule_release_push(p, &r, parse_rule(p, &r));
	}
	return expected(p, "'pass', 'block', 'table', 'set' or a macro definition");
}


void moat_fw_rules_free(struct moat_fw_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->rules.n; i++)
		fw_rule_release(&rs->rules.v[i]);
	vec_release(&rs->rules);
	for (size_t i = 0; i < rs->tables.n; i++) {
		free(rs->tables.v[i].name);
		vec_release(&rs->tables.v[i].pfx);
	}
	vec_release(&rs->tables);
	free(rs->file);
	free(rs);
}

struct moat_fw_rules *moat_fw_parse(const char *src, size_t len, const char *file,
				    const struct moat_fw_parse_opts *opts, struct moat_error *err)
{
	moat_error_clear(err);
	file = file ? file : "<rules>";
	struct moat_fw_rules *rs = calloc(1, sizeof(*rs));
	fw_toks toks = { 0 };
	struct parser p = { .file = file, .rs = rs, .opts = opts, .err = err };
	int r = rs && (rs->file = strdup(file)) ? 0 : moat_error_set(err, ENOMEM, "out of memory");
	if (r == 0) {
		rs->default_pass[FW_DIR_IN] = rs->default_pass[FW_DIR_OUT] = true;
		r = fw_lex(src, len, file, &toks, err);
	}
	for (size_t i = 0; r == 0 && i < toks.n && toks.v[i].kind != FT_EOF;) {
		size_t j = i;
		while (toks.v[j].kind != FT_NL && toks.v[j].kind != FT_EOF)
			j++;
		p.st.n = 0;
		/* a macro definition's name is not expanded */
		r = expand(&p, toks.v + i, toks.v + j + 1, NULL, 0);
		struct fw_tok nl = { FT_NL, NULL, toks.v[j].line, toks.v[j].col };
		if (r == 0 && vec_push(&p.st, nl) < 0)
			r = moat_error_set(err, ENOMEM, "out of memory");
		p.i = 0;
		if (r == 0 && p.st.n > 1)
			r = statement(&p);
		if (r == 0 && peek(&p)->kind != FT_NL)
			r = expected(&p, "the end of the statement");
		i = j + 1;
	}
	for (size_t i = 0; i < p.macros.n; i++) {
		free(p.macros.v[i].name);
		fw_toks_release(&p.macros.v[i].toks);
	}
	vec_release(&p.macros);
	vec_release(&p.st);
	fw_toks_release(&toks);
	if (r < 0) {
		moat_fw_rules_free(rs);
		return NULL;
	}
	return rs;
}

size_t moat_fw_rule_count(const struct moat_fw_rules *rs)
{
	return rs->rules.n;
}

int moat_fw_rule_line(const struct moat_fw_rules *rs, size_t n)
{
	return n >= 1 && n <= rs->rules.n ? rs->rules.v[n - 1].line : 0;
}

size_t moat_fw_table_count(const struct moat_fw_rules *rs)
{
	return rs->tables.n;
}

const char *moat_fw_table_name(const struct moat_fw_rules *rs, size_t i)
{
	return i < rs->tables.n ? rs->tables.v[i].name : NULL;
}
