/*
 * Streaming JSON writer into an sbuf, for --json output.  Commas and
 * nesting are tracked; strings are escaped.
 *     struct json j = { .out = &buf };
 *     json_obj(&j); json_key(&j, "insns"); json_int(&j, 4); json_end(&j);
 */
#ifndef MOAT_UTIL_JSON_H
#define MOAT_UTIL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "util/sbuf.h"

struct json {
	struct sbuf *out;
	int depth;
	bool need_comma[32];
	char closer[32];
	bool after_key;
};

void json_obj(struct json *j);
void json_arr(struct json *j);
void json_end(struct json *j); /* closes the innermost object or array */
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* key + value shorthands */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, int64_t v);
void json_kuint(struct json *j, const char *key, uint64_t v);
void json_kbool(struct json *j, const char *key, bool v);

#endif
