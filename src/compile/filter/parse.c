/*
 * The pcap-filter parser: recursive descent over libpcap's grammar.
 *
 *   expr   := term { ("and" | "or") (term | id) }     and/or: equal, left
 *   term   := "not" term | rterm
 *   rterm  := "(" expr ")" | arth relop arth | head id | pname | other | id
 *   head   := [proto] [dir] [type]    (e.g. "ip src host", "tcp dst port")
 *   id     := ["not"] (NUM | HID ["/" NUM | "mask" HID] | HID6 ["/" NUM] | EID
 *             | NAME | "(" id {("and"|"or") id} ")")
 *
 * A bare id after and/or (or not) inherits the qualifiers of the last head:
 * `host a or b` is `host a or host b`; `tcp port 80 or 443` repeats
 * `tcp port`.  A "(" may open an arithmetic relation or an expression:
 * the relation is tried first and abandoned without side effects.
 * Generation happens as the parser reduces, left to right, because
 * `vlan` and `mpls` move the offsets of everything after them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compile/filter/filter_internal.h"

#define MAXDEPTH 200

struct parser {
	struct fc *fc;
	const struct tok *t;
	size_t n, i;
	struct qual last;
	int depth;
};

static const struct tok *peek(struct parser *p, size_t ahead)
{
	size_t i = p->i + ahead;
	return &p->t[i < p->n ? i : p->n - 1];
}

static const struct tok *next(struct parser *p)
{
	const struct tok *t = peek(p, 0);
	if (p->i < p->n - 1)
		p->i++;
	return t;
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->kind == T_ID && !t->escaped && !strcmp(t->text, w);
}

static void *syntax(struct parser *p, const struct tok *t)
{
	p->fc->col = t->col;
	return fc_fail(p->fc, EINVAL, "syntax error");
}

static bool is_and(const struct tok *t)
{
	return t->kind == T_AND || is_word(t, "and");
}

static bool is_or(const struct tok *t)
{
	return t->kind == T_OR || is_word(t, "or");
}

static bool is_not(const struct tok *t)
{
	return t->kind == T_NOT || is_word(t, "not");
}

static bool is_relop(enum tok_kind k)
{
	return k == T_EQ || k == T_NE || k == T_LT || k == T_LE || k == T_GT || k == T_GE;
}

static bool is_arith_op(enum tok_kind k)
{
	return k == T_PLUS || k == T_MINUS || k == T_STAR || k == T_SLASH || k == T_PERCENT ||
	       k == T_AMP || k == T_PIPE || k == T_CARET || k == T_LSH || k == T_RSH;
}

/* Plain names and addresses: what an id may be. */
static bool is_bare_id(struct parser *p, size_t ahead)
{
	const struct tok *t = peek(p, ahead);
	switch ((int)t->kind) {
	case T_NUM: {
		enum tok_kind k = peek(p, ahead + 1)->kind;
		return !is_relop(k) && !is_arith_op(k);
	}
	case T_HID: case T_HID6: case T_EID: return true;
	case T_ID:
		if (t->escaped)
			return true;
		if (is_word(t, "not"))
			return is_bare_id(p, ahead + 1);
		return !flt_is_keyword(t->text);
	case T_NOT: return is_bare_id(p, ahead + 1);
	default: return false;
	}
}

/* ------------------------------------------------------------ arithmetic */

static struct arth arith(struct parser *p, int prec);

static struct arth fail_arth(void)
{
	return (struct arth){ 0 };
}

static struct arth arith_primary(struct parser *p)
{
	struct fc *fc = p->fc;
	const struct tok *t = next(p);
	uint32_t k;
	fc->col = t->col;
	if (t->kind == T_NUM)
		return (struct arth){ .v = ir_const(fc->ir, t->num) };
	if (t->kind == T_MINUS) {
		struct arth a = arith(p, 6);
		if (a.v)
			a.v = ir_neg(fc->ir, a.v);
		return a;
	}
	if (t->kind == T_LPAREN) {
		struct arth a = arith(p, 0);
		if (!a.v)
			return a;
		const struct tok *c = next(p);
		if (c->kind != T_RPAREN)
			return syntax(p, c), fail_arth();
		return a;
	}
	if (is_word(t, "len") || is_word(t, "length"))
		return (struct arth){ .v = ir_len(fc->ir) };
	if (t->kind == T_ID && !t->escaped && flt_arith_const(t->text, &k))
		return (struct arth){ .v = ir_const(fc->ir, k) };
	enum q_proto proto = t->kind == T_ID && !t->escaped ? flt_proto_kw(t->text) : QP_DEFAULT;
	if (proto == QP_DEFAULT || peek(p, 0)->kind != T_LBRACK)
		return syntax(p, t), fail_arth();
	next(p);
	struct arth idx = arith(p, 0);
	if (!idx.v)
		return idx;
	unsigned size = 1;
	if (peek(p, 0)->kind == T_COLON) {
		next(p);
		const struct tok *sz = next(p);
		if (sz->kind != T_NUM)
			return syntax(p, sz), fail_arth();
		if (sz->num != 1 && sz->num != 2 && sz->num != 4) {
			fc->col = sz->col;
			fc_fail(fc, EINVAL, "data size must be 1, 2, or 4");
			return fail_arth();
		}
		size = sz->num;
	}
	const struct tok *rb = next(p);
	if (rb->kind != T_RBRACK)
		return syntax(p, rb), fail_arth();
	fc->col = t->col;
	return gen_load(fc, proto, idx, size);
}

/* Binding strength of a binary operator, 0 if not one. */
static int prec_of(enum tok_kind k)
{
	switch ((int)k) {
	case T_PIPE: case T_CARET: return 1;
	case T_AMP: return 2;
	case T_LSH: case T_RSH: return 3;
	case T_PLUS: case T_MINUS: return 4;
	case T_STAR: case T_SLASH: case T_PERCENT: return 5;
	default: return 0;
	}
}

static enum ir_op op_of(enum tok_kind k)
{
	switch ((int)k) {
	case T_PIPE: return IR_OR;
	case T_CARET: return IR_XOR;
	case T_AMP: return IR_AND;
	case T_LSH: return IR_LSH;
	case T_RSH: return IR_RSH;
	case T_PLUS: return IR_ADD;
	case T_MINUS: return IR_SUB;
	case T_STAR: return IR_MUL;
	case T_SLASH: return IR_DIV;
	default: return IR_MOD;
	}
}

static struct ir_pred *and_guard(struct ir *ir, struct ir_pred *a, struct ir_pred *b)
{
	return !a ? b : !b ? a : ir_and(ir, a, b);
}

/* Precedence climbing; operators bind tighter than `prec`. */
static struct arth arith(struct parser *p, int prec)
{
	if (++p->depth > MAXDEPTH) {
		p->fc->col = peek(p, 0)->col;
		fc_fail(p->fc, EINVAL, "expression nested too deeply");
		return fail_arth();
	}
	struct arth a = arith_primary(p);
	while (a.v) {
		const struct tok *op = peek(p, 0);
		int pr = prec_of(op->kind);
		if (!pr || pr <= prec)
			break;
		next(p);
		struct arth b = arith(p, pr);
		if (!b.v)
			return b;
		uint32_t k;
		if (ir_val_const(b.v, &k) && !k && (op->kind == T_SLASH || op->kind == T_PERCENT)) {
			p->fc->col = op->col;
			fc_fail(p->fc, EINVAL, op->kind == T_SLASH ? "division by zero"
								   : "modulus by zero");
			return fail_arth();
		}
		if (ir_val_const(b.v, &k) && k > 31 && (op->kind == T_LSH || op->kind == T_RSH)) {
			p->fc->col = op->col;
			fc_fail(p->fc, EINVAL, "shift by more than 31 bits");
			return fail_arth();
		}
		a.v = ir_bin(p->fc->ir, op_of(op->kind), a.v, b.v);
		a.guard = and_guard(p->fc->ir, a.guard, b.guard);
	}
	p->depth--;
	return a;
}

/* Tries `arth relop arth` at the current token; restores on failure. */
static struct ir_pred *try_relation(struct parser *p, bool *tried)
{
	size_t save = p->i;
	int depth = p->depth;
	*tried = false;
	struct arth a = arith(p, 0);
	const struct tok *op = peek(p, 0);
	if (!a.v || !is_relop(op->kind)) {
		/* A semantic error (bad size, division by zero) stands; a syntax
		 * error means this was not a relation after all. */
		if (p->fc->failed && strcmp(p->fc->err->msg, "syntax error")) {
			*tried = true;
			return NULL;
		}
		p->i = save;
		p->depth = depth;
		p->fc->failed = 0;
		moat_error_clear(p->fc->err);
		return NULL;
	}
	*tried = true;
	next(p);
	struct arth b = arith(p, 0);
	if (!b.v)
		return NULL;
	p->last.err = true;
	return gen_relation(p->fc, op->kind, a, b);
}

/* -------------------------------------------------------------- ids */

static struct ir_pred *id_list(struct parser *p, struct qual q);

static struct ir_pred *id(struct parser *p, struct qual q)
{
	struct fc *fc = p->fc;
	const struct tok *t = next(p);
	fc->col = t->col;
	if (q.err)
		return syntax(p, t);
	if (is_not(t)) {
		struct ir_pred *r = id(p, q);
		return r ? ir_not(fc->ir, r) : NULL;
	}
	switch ((int)t->kind) {
	case T_LPAREN: {
		struct ir_pred *r = id_list(p, q);
		const struct tok *c = r ? next(p) : NULL;
		if (c && c->kind != T_RPAREN)
			return syntax(p, c);
		return r;
	}
	case T_NUM: return gen_ncode(fc, t, q);
	case T_HID: case T_HID6:
		if (peek(p, 0)->kind == T_SLASH) {
			next(p);
			const struct tok *bits = next(p);
			if (bits->kind != T_NUM)
				return syntax(p, bits);
			return gen_net_mask(fc, t, NULL, (int)bits->num, q);
		}
		if (is_word(peek(p, 0), "mask")) {
			next(p);
			const struct tok *m = next(p);
			if (m->kind != T_HID || t->kind != T_HID)
				return syntax(p, m);
			return gen_net_mask(fc, t, m, -1, q);
		}
		return gen_ncode(fc, t, q);
	case T_EID: return gen_ecode(fc, t, q);
	case T_ID:
		if (!t->escaped && flt_is_keyword(t->text))
			return syntax(p, t);
		return gen_scode(fc, t, q);
	default: return syntax(p, t);
	}
}

static struct ir_pred *id_list(struct parser *p, struct qual q)
{
	struct ir_pred *r = id(p, q);
	while (r && (is_and(peek(p, 0)) || is_or(peek(p, 0)))) {
		bool and = is_and(next(p));
		struct ir_pred *s = id(p, q);
		if (!s)
			return NULL;
		r = and ? ir_and(p->fc->ir, r, s) : ir_or(p->fc->ir, r, s);
	}
	return r;
}

/* -------------------------------------------------------------- heads */

static bool dir_word(const struct tok *t, enum q_dir *d)
{
	if (is_word(t, "src"))
		*d = QD_SRC;
	else if (is_word(t, "dst"))
		*d = QD_DST;
	else
		return false;
	return true;
}

static bool type_word(const struct tok *t, enum q_type *ty)
{
	static const struct { const char *w; enum q_type t; } types[] = {
		{ "host", QT_HOST }, { "net", QT_NET }, { "port", QT_PORT },
		{ "portrange", QT_PORTRANGE }, { "gateway", QT_GATEWAY },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (is_word(t, types[i].w)) {
			*ty = types[i].t;
			return true;
		}
	return false;
}

/* [dir] [type] id, after an optional protocol qualifier. */
static struct ir_pred *head_rest(struct parser *p, struct qual q)
{
	enum q_dir d, d2;
	if (dir_word(peek(p, 0), &d)) {
		next(p);
		q.dir = d;
		if ((is_and(peek(p, 0)) || is_or(peek(p, 0))) && dir_word(peek(p, 1), &d2) &&
		    d2 != d) {
			q.dir = is_and(next(p)) ? QD_AND : QD_OR;
			next(p);
		}
		if (is_word(peek(p, 0), "proto") || is_word(peek(p, 0), "protochain"))
			return syntax(p, peek(p, 0));
	}
	if (type_word(peek(p, 0), &q.type)) {
		next(p);
	} else if (q.dir == QD_DEFAULT && (is_word(peek(p, 0), "proto") ||
					   is_word(peek(p, 0), "protochain"))) {
		q.type = is_word(next(p), "proto") ? QT_PROTO : QT_PROTOCHAIN;
	}
	if (q.type == QT_GATEWAY && q.dir != QD_DEFAULT)
		return syntax(p, &p->t[p->i - 1]);
	p->last = q;
	return id(p, q);
}

/* An optional number after a keyword (`vlan [ID]`). */
static void with_number(struct parser *p, uint32_t *num, bool *has)
{
	*has = peek(p, 0)->kind == T_NUM;
	if (*has)
		*num = next(p)->num;
}

/*
 * `byte IDX OP VAL` with OP one of = == < > & |: the byte at IDX from the
 * start of the frame, as libpcap's gen_byteop.  (libpcap emits `&` and `|`
 * without loading the byte, testing A's initial 0; moat tests the byte.)
 */
static struct ir_pred *byteop(struct parser *p)
{
	struct fc *fc = p->fc;
	struct ir *ir = fc->ir;
	const struct tok *idx = next(p), *op = next(p), *val = next(p);
	if (idx->kind != T_NUM)
		return syntax(p, idx);
	if (val->kind != T_NUM)
		return syntax(p, val);
	if (val->num > 255) {
		fc->col = val->col;
		return fc_fail(fc, EINVAL, "byte argument %u greater than maximum 255", val->num);
	}
	struct ir_val *b = ir_load(ir, 1, idx->num, NULL);
	switch ((int)op->kind) {
	case T_EQ: return ir_atom_k(ir, b, IR_JEQ, val->num);
	case T_GT: return ir_atom_k(ir, b, IR_JGT, val->num);
	case T_LT: return ir_not(ir, ir_atom_k(ir, b, IR_JGE, val->num));
	case T_AMP: return ir_atom_k(ir, b, IR_JSET, val->num);
	case T_PIPE:
		return ir_not(ir, ir_atom_k(ir, ir_bin(ir, IR_OR, b, ir_const(ir, val->num)), IR_JEQ, 0));
	default: return syntax(p, op);
	}
}

/* Keyword primitives without qualifiers: less, greater, vlan, mpls, ... */
static struct ir_pred *other(struct parser *p, const struct tok *t, bool *matched)
{
	struct fc *fc = p->fc;
	uint32_t num = 0;
	bool has;
	*matched = true;
	fc->col = t->col;
	p->last.err = true;
	if (is_word(t, "less") || is_word(t, "greater")) {
		const struct tok *n = next(p);
		if (n->kind != T_NUM)
			return syntax(p, n);
		return is_word(t, "less") ? gen_len(fc, IR_JGT, n->num, true)
					  : gen_len(fc, IR_JGE, n->num, false);
	}
	if (is_word(t, "broadcast"))
		return gen_broadcast(fc, QP_DEFAULT);
	if (is_word(t, "multicast"))
		return gen_multicast(fc, QP_DEFAULT);
	if (is_word(t, "vlan")) {
		with_number(p, &num, &has);
		return gen_vlan(fc, num, has);
	}
	if (is_word(t, "mpls")) {
		with_number(p, &num, &has);
		return gen_mpls(fc, num, has);
	}
	if (is_word(t, "l1") || is_word(t, "l2") || is_word(t, "iih") || is_word(t, "lsp") ||
	    is_word(t, "snp") || is_word(t, "csnp") || is_word(t, "psnp"))
		return gen_isis_pdu(fc, t->text);
	if (is_word(t, "byte")) /* byte IDX OP VAL: the frame's byte IDX */
		return byteop(p);
	if (is_word(t, "llc")) {
		const struct tok *k = peek(p, 0);
		bool kind = k->kind == T_ID && !k->escaped && flt_llc_kind(k->text);
		if (kind)
			next(p);
		return gen_llc(fc, kind ? k->text : NULL);
	}
	if (is_word(t, "pppoed"))
		return gen_pppoe(fc, false, 0, false);
	if (is_word(t, "pppoes")) {
		with_number(p, &num, &has);
		return gen_pppoe(fc, true, num, has);
	}
	if (is_word(t, "inbound") || is_word(t, "outbound"))
		return gen_inbound(fc, is_word(t, "outbound"));
	if (is_word(t, "ifindex")) {
		const struct tok *n = next(p);
		if (n->kind != T_NUM)
			return syntax(p, n);
		return gen_ifindex(fc, n->num);
	}
	*matched = false;
	return NULL;
}

static struct ir_pred *expr(struct parser *p);

static struct ir_pred *rterm(struct parser *p)
{
	struct fc *fc = p->fc;
	const struct tok *t = peek(p, 0);
	bool tried, matched;
	struct ir_pred *r;
	if (t->kind == T_LPAREN || t->kind == T_MINUS || t->kind == T_NUM ||
	    (t->kind == T_ID && !t->escaped &&
	     (is_word(t, "len") || is_word(t, "length") || peek(p, 1)->kind == T_LBRACK ||
	      flt_arith_const(t->text, &(uint32_t){ 0 })))) {
		r = try_relation(p, &tried);
		if (r || tried || fc->failed)
			return r;
	}
	t = next(p);
	fc->col = t->col;
	if (t->kind == T_LPAREN) {
		r = expr(p);
		const struct tok *c = r ? next(p) : NULL;
		if (c && c->kind != T_RPAREN)
			return syntax(p, c);
		return r;
	}
	if (t->kind != T_ID || t->escaped) {
		p->i--;
		return id(p, p->last);
	}
	enum q_proto proto = flt_proto_kw(t->text);
	struct qual q = { .proto = proto };
	if (proto != QP_DEFAULT) {
		const struct tok *n = peek(p, 0);
		enum q_dir d;
		enum q_type ty;
		if (dir_word(n, &d) || type_word(n, &ty) || is_word(n, "proto") ||
		    is_word(n, "protochain"))
			return head_rest(p, q);
		p->last.err = true;
		if (is_word(n, "broadcast") || is_word(n, "multicast")) {
			next(p);
			return is_word(n, "broadcast") ? gen_broadcast(fc, proto)
						       : gen_multicast(fc, proto);
		}
		return gen_proto_abbrev(fc, proto);
	}
	enum q_dir d;
	enum q_type ty;
	if (dir_word(t, &d) || type_word(t, &ty) || is_word(t, "proto") ||
	    is_word(t, "protochain")) {
		p->i--;
		return head_rest(p, q);
	}
	r = other(p, t, &matched);
	if (matched)
		return r;
	if (flt_is_keyword(t->text)) {
		if (is_word(t, "and") || is_word(t, "or") || is_word(t, "not") ||
		    is_word(t, "mask") || is_word(t, "len") || is_word(t, "length"))
			return syntax(p, t);
		return fc_fail(fc, ENOTSUP, "'%s' is not supported by moat", t->text);
	}
	p->i--;
	return id(p, p->last);
}

static struct ir_pred *term(struct parser *p)
{
	if (++p->depth > MAXDEPTH) {
		p->fc->col = peek(p, 0)->col;
		return fc_fail(p->fc, EINVAL, "expression nested too deeply");
	}
	struct ir_pred *r;
	if (is_not(peek(p, 0))) {
		next(p);
		r = term(p);
		r = r ? ir_not(p->fc->ir, r) : NULL;
	} else {
		r = rterm(p);
	}
	p->depth--;
	return r;
}

static struct ir_pred *expr(struct parser *p)
{
	struct ir_pred *r = term(p);
	while (r && (is_and(peek(p, 0)) || is_or(peek(p, 0)))) {
		bool and = is_and(next(p));
		struct ir_pred *s = is_bare_id(p, 0) ? id(p, p->last) : term(p);
		if (!s)
			return NULL;
		r = and ? ir_and(p->fc->ir, r, s) : ir_or(p->fc->ir, r, s);
	}
	return r;
}

struct ir_pred *flt_parse(struct fc *fc, const struct tok *toks, size_t n)
{
	struct parser p = { .fc = fc, .t = toks, .n = n };
	if (toks[0].kind == T_END)
		return ir_true(fc->ir);
	struct ir_pred *r = expr(&p);
	if (r && peek(&p, 0)->kind != T_END)
		return syntax(&p, peek(&p, 0));
	if (!r && !fc->failed)
		fc_fail(fc, ENOMEM, "out of memory");
	return r;
}
