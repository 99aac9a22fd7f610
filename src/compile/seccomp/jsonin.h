/*
 * A small JSON reader that remembers where every value starts (line and
 * column), so profile errors can point into the file: "default.json:41:17:
 * unknown action 'SCMP_ACT_FOO'".  Integers are kept exactly (64-bit,
 * with a sign); other numbers are only marked as such.
 */
#ifndef MOAT_COMPILE_SECCOMP_JSONIN_H
#define MOAT_COMPILE_SECCOMP_JSONIN_H

#include <moat/error.h>

enum jv_kind { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_kind kind;
	int line, col;
	bool b;        /* JV_BOOL */
	bool is_int;   /* JV_NUM: an integer that fits 64 bits (with neg) */
	bool neg;      /* JV_NUM: negative integer, magnitude in u */
	uint64_t u;    /* JV_NUM */
	char *s;       /* JV_STR: decoded, NUL-terminated (may hold NULs: slen) */
	size_t slen;
	struct jv *items; /* JV_ARR elements, JV_OBJ values */
	char **keys;      /* JV_OBJ keys, decoded */
	size_t n;
};

/*
 * Parses text[0..len) into *root.  Returns 0, or a negative errno with err
 * at file:line:col.  Release with jv_release() in every case.
 */
int jv_parse(const char *text, size_t len, const char *file, struct jv *root,
	     struct moat_error *err);

void jv_release(struct jv *v);

/* The value of key `k` in object o, or NULL (also when o is not an object). */
const struct jv *jv_get(const struct jv *o, const char *k);

/* Name of a kind for messages ("a string", "an array", ...). */
const char *jv_kind_name(enum jv_kind k);

#endif
