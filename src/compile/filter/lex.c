/*
 * The pcap-filter lexer.  Words follow libpcap's scanner: a word is a run
 * of letters, digits and "-_.", plus ':' when the whole word is an IPv6
 * or MAC address (so `ip[6:2]` still splits at the colon).  A word is
 * then classified as a number (decimal, 0x hex, 0 octal), a dotted IPv4
 * host or network (1 to 4 parts), an IPv6 address, a MAC address
 * (xx:xx:xx:xx:xx:xx, with '.' or '-' too, xxxx.xxxx.xxxx, or 12 hex
 * digits) or an identifier (keyword or name).  `\word` is an identifier
 * that is never a keyword (`ether proto \ip`).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/filter/filter_internal.h"

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* Parses a libpcap number: true and *v, false if not a number or > 32 bits. */
static bool parse_num(const char *s, uint32_t *v, bool *overflow)
{
	unsigned base = 10;
	const char *p = s;
	*overflow = false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return false;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
	}
	uint64_t acc = 0;
	for (; *p; p++) {
		unsigned d;
		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			return false;
		if (d >= base)
			return false;
		acc = acc * base + d;
		if (acc > 0xffffffffu)
			*overflow = true;
	}
	*v = (uint32_t)acc;
	return true;
}

static bool is_hid(const char *s)
{
	int parts = 0;
	const char *p = s;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		parts++;
		if (*p == '.')
			p++;
		else if (*p)
			return false;
	}
	return parts >= 2 && parts <= 4 && s[strlen(s) - 1] != '.';
}

static bool is_hid6(const char *s)
{
	struct in6_addr a;
	return strchr(s, ':') && inet_pton(AF_INET6, s, &a) == 1;
}

static int push(struct toks *out, enum tok_kind k, int col, const char *s, size_t len)
{
	struct tok t = { .kind = k, .col = col };
	if (s) {
		t.text = strndup(s, len);
		if (!t.text)
			return -ENOMEM;
	}
	if (vec_push(out, t) < 0) {
		free(t.text);
		return -ENOMEM;
	}
	return 0;
}

/* Length of the word at s: with ':' only if the word is an address. */
static size_t word_len(const char *s)
{
	size_t n = 0;
	while (word_char(s[n]) || s[n] == ':')
		n++;
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return n;
	char *w = strndup(s, n);
	uint8_t mac[6];
	bool addr = w && (is_hid6(w) || flt_parse_mac(w, mac));
	free(w);
	return addr ? n : (size_t)(colon - s);
}

static int lex_word(const char *expr, size_t *i, struct toks *out, struct moat_error *err)
{
	const char *s = expr + *i;
	int col = (int)*i + 1;
	bool esc = s[0] == '\\';
	if (esc)
		s++;
	size_t n = word_len(s);
	if (n == 0)
		return moat_error_at(err, EINVAL, NULL, 1, col, "syntax error");
	*i += n + esc;
	if (push(out, T_ID, col, s, n) < 0)
		return moat_error_set(err, ENOMEM, "out of memory");
	struct tok *t = &out->v[out->n - 1];
	t->escaped = esc;
	uint32_t v;
	bool overflow;
	uint8_t mac[6];
	if (esc)
		return 0;
	if (strlen(t->text) == 12 && flt_parse_mac(t->text, mac)) {
		t->kind = T_EID; /* 12 hex digits: a MAC address, never a number */
	} else if (isdigit((unsigned char)t->text[0]) && parse_num(t->text, &v, &overflow)) {
		if (overflow)
			return moat_error_at(err, EINVAL, NULL, 1, col,
					     "number %s overflows 32 bits", t->text);
		t->kind = T_NUM;
		t->num = v;
	} else if (is_hid(t->text)) {
		t->kind = T_HID;
	} else if (is_hid6(t->text)) {
		t->kind = T_HID6;
	} else if (flt_parse_mac(t->text, mac)) {
		t->kind = T_EID;
	}
	return 0;
}

struct punct {
	const char *s;
	enum tok_kind k;
};

static const struct punct puncts[] = {
	{ "&&", T_AND }, { "||", T_OR }, { "<<", T_LSH }, { ">>", T_RSH }, { "==", T_EQ },
	{ "!=", T_NE }, { "<=", T_LE }, { ">=", T_GE }, { "(", T_LPAREN }, { ")", T_RPAREN },
	{ "[", T_LBRACK }, { "]", T_RBRACK }, { ":", T_COLON }, { "+", T_PLUS }, { "-", T_MINUS },
	{ "*", T_STAR }, { "/", T_SLASH }, { "%", T_PERCENT }, { "&", T_AMP }, { "|", T_PIPE },
	{ "^", T_CARET }, { "!", T_NOT }, { "=", T_EQ }, { "<", T_LT }, { ">", T_GT },
};

int flt_lex(const char *expr, struct toks *out, struct moat_error *err)
{
	size_t i = 0;
	while (expr[i]) {
		char c = expr[i];
		if (isspace((unsigned char)c)) {
			i++;
			continue;
		}
		if (isalnum((unsigned char)c) || c == '_' || c == '\\' ||
		    (c == ':' && expr[i + 1] == ':')) {
			int r = lex_word(expr, &i, out, err);
			if (r)
				return r;
			continue;
		}
		const struct punct *p = NULL;
		for (size_t j = 0; j < sizeof(puncts) / sizeof(puncts[0]) && !p; j++)
			if (!strncmp(expr + i, puncts[j].s, strlen(puncts[j].s)))
				p = &puncts[j];
		if (!p)
			return moat_error_at(err, EINVAL, NULL, 1, (int)i + 1,
					     "syntax error: unexpected character '%c'",
					     isprint((unsigned char)c) ? c : '?');
		if (push(out, p->k, (int)i + 1, NULL, 0) < 0)
			return moat_error_set(err, ENOMEM, "out of memory");
		i += strlen(p->s);
	}
	if (push(out, T_END, (int)i + 1, NULL, 0) < 0)
		return moat_error_set(err, ENOMEM, "out of memory");
	return 0;
}

void flt_toks_free(struct toks *toks)
{
	for (size_t i = 0; i < toks->n; i++)
		free(toks->v[i].text);
	vec_release(toks);
}
