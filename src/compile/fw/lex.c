/*
 * The rule file lexer.  Words are runs of letters, digits and the
 * characters . : / _ - so that addresses (10.0.0.0/8, 2001:db8::/32),
 * port ranges (1000:2000) and TCP flags (S/SA) are single words the parser
 * reads by context.  Newlines end statements, except inside braces or
 * after a backslash; '#' starts a comment.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/fw/fw_internal.h"

static bool word_char(int c)
{
	return isalnum(c) || c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
}

void fw_toks_release(fw_toks *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].text);
	vec_release(t);
}

const char *fw_tok_name(const struct fw_tok *t)
{
	switch (t->kind) {
	case FT_EOF: return "end of file";
	case FT_NL: return "end of line";
	case FT_WORD: case FT_STRING: case FT_MACRO: return t->text;
	case FT_LBRACE: return "{";
	case FT_RBRACE: return "}";
	case FT_LT: return "<";
	case FT_GT: return ">";
	case FT_LE: return "<=";
	case FT_GE: return ">=";
	case FT_NE: return "!=";
	case FT_BANG: return "!";
	case FT_EQ: return "=";
	case FT_COMMA: return ",";
	}
	return "?";
}

static int push(fw_toks *out, enum fw_tok_kind k, const char *s, size_t n, int line, int col,
		const char *file, struct moat_error *err)
{
	struct fw_tok t = { .kind = k, .line = line, .col = col };
	if (s) {
		t.text = strndup(s, n);
		if (!t.text)
			return moat_error_at(err, ENOMEM, file, line, col, "out of memory");
	}
	if (vec_push(out, t) < 0) {
		free(t.text);
		return moat_error_at(err, ENOMEM, file, line, col, "out of memory");
	}
	return 0;
}

/* Punctuation: one or two characters; returns the kind and sets *n. */
static enum fw_tok_kind punct(const char *p, const char *end, size_t *n)
{
	*n = 1;
	bool eq = p + 1 < end && p[1] == '=';
	switch (*p) {
	case '{': return FT_LBRACE;
	case '}': return FT_RBRACE;
	case ',': return FT_COMMA;
	case '=': return FT_EQ;
	case '<': *n += eq; return eq ? FT_LE : FT_LT;
	case '>': *n += eq; return eq ? FT_GE : FT_GT;
	case '!': *n += eq; return eq ? FT_NE : FT_BANG;
	default: *n = 0; return FT_EOF;
	}
}

int fw_lex(const char *src, size_t len, const char *file, fw_toks *out, struct moat_error *err)
{
	const char *p = src, *end = src + len, *bol = src;
	int line = 1, depth = 0, r = 0, open_line = 0, open_col = 0;
	while (p < end && r == 0) {
		int col = (int)(p - bol) + 1;
		char c = *p;
		if (c == '\n') {
			if (depth == 0 && (!out->n || out->v[out->n - 1].kind != FT_NL))
				r = push(out, FT_NL, NULL, 0, line, col, file, err);
			line++, bol = ++p;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			p++;
		} else if (c == '#') {
			while (p < end && *p != '\n')
				p++;
		} else if (c == '\\' && p + 1 < end && (p[1] == '\n' || (p[1] == '\r' && p + 2 < end && p[2] == '\n'))) {
			p += p[1] == '\r' ? 3 : 2;
			line++, bol = p;
		} else if (c == '"') {
			const char *s = ++p;
			while (p < end && *p != '"' && *p != '\n')
				p++;
			if (p >= end || *p != '"')
				return moat_error_at(err, EINVAL, file, line, col, "unterminated string");
			r = push(out, FT_STRING, s, (size_t)(p - s), line, col, file, err);
			p++;
		} else if (c == '$') {
			const char *s = ++p;
			while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			if (p == s)
				return moat_error_at(err, EINVAL, file, line, col,
						     "expected a macro name after '$'");
			r = push(out, FT_MACRO, s, (size_t)(p - s), line, col, file, err);
		} else if (word_char((unsigned char)c)) {
			const char *s = p;
			while (p < end && word_char((unsigned char)*p))
				p++;
			r = push(out, FT_WORD, s, (size_t)(p - s), line, col, file, err);
		} else {
			size_t n;
			enum fw_tok_kind k = punct(p, end, &n);
			if (!n) {
				if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
					return moat_error_at(err, EINVAL, file, line, col,
							     "unexpected byte 0x%02x", (unsigned char)c);
				return moat_error_at(err, EINVAL, file, line, col,
						     "unexpected character '%c'", c);
			}
			if (k == FT_LBRACE && depth++ == 0)
				open_line = line, open_col = col;
			else if (k == FT_RBRACE)
				depth--;
			if (depth < 0)
				depth = 0;
			r = push(out, k, NULL, 0, line, col, file, err);
			p += n;
		}
	}
	if (r == 0 && depth > 0)
		return moat_error_at(err, EINVAL, file, open_line, open_col, "'{' is never closed");
	if (r == 0 && out->n && out->v[out->n - 1].kind != FT_NL)
		r = push(out, FT_NL, NULL, 0, line, (int)(p - bol) + 1, file, err);
	if (r == 0)
		r = push(out, FT_EOF, NULL, 0, line, (int)(p - bol) + 1, file, err);
	return r;
}
