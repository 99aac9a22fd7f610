#include <inttypes.h>
#include <string.h>

#include "util/json.h"

static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->need_comma[j->depth])
		sbuf_putc(j->out, ',');
	j->need_comma[j->depth] = true;
}

static void open(struct json *j, char c)
{
	sep(j);
	sbuf_putc(j->out, c);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = false;
	j->closer[j->depth] = c == '{' ? '}' : ']';
}

void json_obj(struct json *j)
{
	open(j, '{');
}

void json_arr(struct json *j)
{
	open(j, '[');
}

void json_end(struct json *j)
{
	if (j->depth == 0)
		return;
	sbuf_putc(j->out, j->closer[j->depth]);
	j->depth--;
}

static void put_escaped(struct sbuf *o, const char *s, size_t n)
{
	sbuf_putc(o, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': sbuf_put(o, "\\\"", 2); break;
		case '\\': sbuf_put(o, "\\\\", 2); break;
		case '\n': sbuf_put(o, "\\n", 2); break;
		case '\t': sbuf_put(o, "\\t", 2); break;
		case '\r': sbuf_put(o, "\\r", 2); break;
		default:
			if (c < 0x20)
				sbuf_printf(o, "\\u%04x", c);
			else
				sbuf_putc(o, (char)c);
		}
	}
	sbuf_putc(o, '"');
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	put_escaped(j->out, key, strlen(key));
	sbuf_putc(j->out, ':');
	j->after_key = true;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	sep(j);
	put_escaped(j->out, s, n);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, int64_t v)
{
	sep(j);
	sbuf_printf(j->out, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
	sep(j);
	sbuf_printf(j->out, "%" PRIu64, v);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	sbuf_printf(j->out, "%s", v ? "true" : "false");
}

void json_null(struct json *j)
{
	sep(j);
	sbuf_printf(j->out, "null");
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kint(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kuint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kbool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
