/*
 * The JSON reader of jsonin.h: recursive descent over RFC 8259, with a
 * nesting limit so hostile input cannot exhaust the stack, and a position
 * on every value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/seccomp/jsonin.h"

#define MAX_DEPTH 64

struct rd {
	const char *s;
	size_t len, pos;
	int line;
	size_t line_start;
	const char *file;
	struct moat_error *err;
};

static int col(const struct rd *r)
{
	return (int)(r->pos - r->line_start) + 1;
}

__attribute__((format(printf, 2, 3))) static int fail(struct rd *r, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return moat_error_at(r->err, EINVAL, r->file, r->line, col(r), "%s", msg);
}

static void skip_ws(struct rd *r)
{
	while (r->pos < r->len) {
		char c = r->s[r->pos];
		if (c == '\n') {
			r->line++;
			r->line_start = r->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		r->pos++;
	}
}

static int fail_here(struct rd *r, const char *want)
{
	if (r->pos >= r->len)
		return fail(r, "unexpected end of input, expected %s", want);
	unsigned char c = (unsigned char)r->s[r->pos];
	if (c < 0x20 || c >= 0x7f)
		return fail(r, "unexpected byte 0x%02x, expected %s", c, want);
	return fail(r, "unexpected '%c', expected %s", c, want);
}

static int hex4(struct rd *r, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, r->pos++) {
		char c = r->pos < r->len ? r->s[r->pos] : 0;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return fail(r, "bad \\u escape: expected 4 hex digits");
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

static void put_utf8(char *o, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		o[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		o[(*n)++] = (char)(0xc0 | cp >> 6);
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		o[(*n)++] = (char)(0xe0 | cp >> 12);
		o[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		o[(*n)++] = (char)(0xf0 | cp >> 18);
		o[(*n)++] = (char)(0x80 | (cp >> 12 & 0x3f));
		o[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static int escape(struct rd *r, char *o, size_t *n)
{
	char c = r->pos < r->len ? r->s[r->pos++] : 0;
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p = c ? strchr(from, c) : NULL;
	if (p) {
		o[(*n)++] = to[p - from];
		return 0;
	}
	if (c != 'u') {
		r->pos--;
		return fail(r, "bad escape '\\%c' in a string", c >= 0x20 && c < 0x7f ? c : '?');
	}
	uint32_t cp, lo;
	if (hex4(r, &cp) < 0)
		return -EINVAL;
	if (cp >= 0xd800 && cp < 0xdc00 && r->pos + 1 < r->len && r->s[r->pos] == '\\' &&
	    r->s[r->pos + 1] == 'u') {
		r->pos += 2;
		if (hex4(r, &lo) < 0)
			return -EINVAL;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(r, "bad UTF-16 surrogate pair in a \\u escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xd800 && cp < 0xe000) {
		return fail(r, "lone UTF-16 surrogate in a \\u escape");
	}
	put_utf8(o, n, cp);
	return 0;
}

/* A string at r->pos (the opening quote); the decoded copy goes to *out. */
static int string(struct rd *r, char **out, size_t *outlen)
{
	r->pos++;
	size_t start = r->pos;
	while (r->pos < r->len && r->s[r->pos] != '"')
		r->pos += r->s[r->pos] == '\\' ? 2 : 1;
	if (r->pos >= r->len) {
		r->pos = start - 1;
		return fail(r, "string not closed");
	}
	size_t end = r->pos;
	char *o = malloc(end - start + 1); /* decoding never grows the text */
	if (!o)
		return moat_error_set(r->err, ENOMEM, "out of memory");
	size_t n = 0;
	r->pos = start;
	while (r->pos < end) {
		unsigned char c = (unsigned char)r->s[r->pos];
		if (c < 0x20) {
			free(o);
			return fail(r, "control character 0x%02x in a string", c);
		}
		r->pos++;
		if (c != '\\') {
			o[n++] = (char)c;
		} else if (escape(r, o, &n) < 0) {
			free(o);
			return -EINVAL;
		}
	}
	r->pos = end + 1;
	o[n] = 0;
	*out = o;
	*outlen = n;
	return 0;
}

static int number(struct rd *r, struct jv *v)
{
	size_t p = r->pos;
	v->kind = JV_NUM;
	v->neg = p < r->len && r->s[p] == '-';
	p += v->neg;
	if (p >= r->len || r->s[p] < '0' || r->s[p] > '9')
		return fail_here(r, "a value");
	v->is_int = true;
	if (r->s[p] == '0' && p + 1 < r->len && r->s[p + 1] >= '0' && r->s[p + 1] <= '9')
		return fail(r, "numbers may not start with 0");
	for (; p < r->len && r->s[p] >= '0' && r->s[p] <= '9'; p++) {
		unsigned d = (unsigned)(r->s[p] - '0');
		if (v->u > (UINT64_MAX - d) / 10)
			v->is_int = false;
		v->u = v->u * 10 + d;
	}
	if (p < r->len && r->s[p] == '.') {
		v->is_int = false;
		size_t q = ++p;
		while (p < r->len && r->s[p] >= '0' && r->s[p] <= '9')
			p++;
		if (p == q)
			return r->pos = p, fail(r, "expected digits after '.'");
	}
	if (p < r->len && (r->s[p] == 'e' || r->s[p] == 'E')) {
		v->is_int = false;
		p++;
		if (p < r->len && (r->s[p] == '+' || r->s[p] == '-'))
			p++;
		size_t q = p;
		while (p < r->len && r->s[p] >= '0' && r->s[p] <= '9')
			p++;
		if (p == q)
			return r->pos = p, fail(r, "expected digits in the exponent");
	}
	r->pos = p;
	return 0;
}

static int value(struct rd *r, struct jv *v, int depth);

static int grow(struct jv *v, bool keys)
{
	if ((v->n & (v->n - 1)) == 0 || v->n < 4) { /* at 0,1,2,4,8,...: double */
		size_t cap = v->n < 4 ? 4 : v->n * 2;
		struct jv *it = realloc(v->items, cap * sizeof(*it));
		if (!it)
			return -ENOMEM;
		v->items = it;
		if (keys) {
			char **k = realloc(v->keys, cap * sizeof(*k));
			if (!k)
				return -ENOMEM;
			v->keys = k;
		}
	}
	memset(&v->items[v->n], 0, sizeof(v->items[0]));
	if (keys)
		v->keys[v->n] = NULL;
	v->n++;
	return 0;
}

/* An array or an object: r->pos is at '[' or '{'. */
static int container(struct rd *r, struct jv *v, int depth)
{
	bool obj = r->s[r->pos] == '{';
	char close = obj ? '}' : ']';
	v->kind = obj ? JV_OBJ : JV_ARR;
	if (depth >= MAX_DEPTH)
		return fail(r, "nested more than %d levels deep", MAX_DEPTH);
	r->pos++;
	skip_ws(r);
	if (r->pos < r->len && r->s[r->pos] == close) {
		r->pos++;
		return 0;
	}
	for (;;) {
		if (grow(v, obj) < 0)
			return moat_error_set(r->err, ENOMEM, "out of memory");
		size_t i = v->n - 1;
		if (obj) {
			size_t kl;
			if (r->pos >= r->len || r->s[r->pos] != '"')
				return fail_here(r, "a key (a string)");
			if (string(r, &v->keys[i], &kl) < 0)
				return -EINVAL;
			skip_ws(r);
			if (r->pos >= r->len || r->s[r->pos] != ':')
				return fail_here(r, "':'");
			r->pos++;
			skip_ws(r);
		}
		if (value(r, &v->items[i], depth + 1) < 0)
			return -EINVAL;
		skip_ws(r);
		if (r->pos < r->len && r->s[r->pos] == close) {
			r->pos++;
			return 0;
		}
		if (r->pos >= r->len || r->s[r->pos] != ',')
			return fail_here(r, obj ? "',' or '}'" : "',' or ']'");
		r->pos++;
		skip_ws(r);
	}
}

static int literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);
	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n))
		return fail_here(r, "a value");
	r->pos += n;
	return 0;
}

static int value(struct rd *r, struct jv *v, int depth)
{
	skip_ws(r);
	v->line = r->line;
	v->col = col(r);
	if (r->pos >= r->len)
		return fail_here(r, "a value");
	switch (r->s[r->pos]) {
	case '{':
	case '[': return container(r, v, depth);
	case '"': v->kind = JV_STR; return string(r, &v->s, &v->slen);
	case 't': v->kind = JV_BOOL; v->b = true; return literal(r, "true");
	case 'f': v->kind = JV_BOOL; return literal(r, "false");
	case 'n': v->kind = JV_NULL; return literal(r, "null");
	default: return number(r, v);
	}
}

int jv_parse(const char *text, size_t len, const char *file, struct jv *root,
	     struct moat_error *err)
{
	struct rd r = { .s = text, .len = len, .line = 1, .file = file, .err = err };
	memset(root, 0, sizeof(*root));
	if (value(&r, root, 0) < 0)
		return -EINVAL;
	skip_ws(&r);
	if (r.pos < r.len)
		return fail_here(&r, "the end of the input");
	return 0;
}

void jv_release(struct jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		jv_release(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	memset(v, 0, sizeof(*v));
}

const struct jv *jv_get(const struct jv *o, const char *k)
{
	if (o->kind != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (o->keys[i] && !strcmp(o->keys[i], k))
			return &o->items[i];
	return NULL;
}

const char *jv_kind_name(enum jv_kind k)
{
	switch (k) {
	case JV_NULL: return "null";
	case JV_BOOL: return "a boolean";
	case JV_NUM: return "a number";
	case JV_STR: return "a string";
	case JV_ARR: return "an array";
	case JV_OBJ: return "an object";
	}
	return "?";
}
