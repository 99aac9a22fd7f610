/* Unit tests for src/util: error object, string buffer, vectors, reader, JSON. */
#include <errno.h>
#include <string.h>

#include <moat/error.h>
#include "util/cleanup.h"
#include "util/json.h"
#include "util/reader.h"
#include "util/sbuf.h"
#include "util/vec.h"
#include "tap.h"

static void test_error(void)
{
	struct moat_error e;
	char buf[1024];
	is_int(moat_error_set(&e, ENOENT, "no %s", "map"), -ENOENT, "set returns -errnum");
	is_str(moat_error_str(&e, buf, sizeof(buf)), "no map", "plain message");
	is_int(moat_error_set(NULL, 0, "x"), -EINVAL, "NULL err and errnum 0 give -EINVAL");
	moat_error_at(&e, EINVAL, "rules.conf", 4, 17, "expected port number, got '%s'", "ssh2");
	is_str(moat_error_str(&e, buf, sizeof(buf)),
	       "rules.conf:4:17: expected port number, got 'ssh2'", "file:line:col format");
	moat_error_insn(&e, EACCES, 14, "r3 may be NULL");
	is_str(moat_error_str(&e, buf, sizeof(buf)), "insn 14: r3 may be NULL", "insn format");
	is_int(e.errnum, EACCES, "errno kept");
	moat_error_prefix(&e, "loading %s", "prog.o");
	is_str(e.msg, "loading prog.o: r3 may be NULL", "prefix adds context");
	moat_error_clear(&e);
	is_int(e.insn, -1, "clear resets insn to -1");
}

static void test_sbuf(void)
{
	struct sbuf b = { 0 };
	is_str(sbuf_str(&b), "", "empty sbuf is \"\"");
	for (int i = 0; i < 1000; i++)
		sbuf_printf(&b, "%d,", i);
	ok(b.len > 3000 && !strncmp(b.s, "0,1,2,", 6), "grows across many writes");
	sbuf_reset(&b);
	sbuf_put(&b, "ab", 2);
	sbuf_putc(&b, 'c');
	is_str(sbuf_str(&b), "abc", "put and putc");
	MOAT_AUTO(free) char *s = sbuf_take(&b);
	is_str(s, "abc", "take hands the string out");
	ok(b.s == NULL && b.len == 0, "take resets the buffer");
}

static void test_vec(void)
{
	VEC(int) v = { 0 };
	for (int i = 0; i < 100; i++)
		vec_push(&v, i * 2);
	is_int(v.n, 100, "vec holds 100");
	is_int(v.v[99], 198, "vec keeps order");
	vec_release(&v);
	ok(v.v == NULL && v.n == 0, "release empties");
}

static void test_reader(void)
{
	uint8_t data[16] = { 1, 0, 0, 0, 2, 0, 0, 0 };
	struct rd b = { data, sizeof(data) };
	ok(rd_at(&b, 8, uint64_t) != NULL, "8 bytes at 8 fit in 16");
	ok(rd_at(&b, 9, uint64_t) == NULL, "8 bytes at 9 do not");
	ok(rd_at(&b, SIZE_MAX - 2, uint32_t) == NULL, "offset overflow is caught");
	ok(rd_array(&b, 0, SIZE_MAX / 2, uint32_t) == NULL, "count overflow is caught");
	uint32_t w = 0;
	ok(rd_copy(&b, 4, &w) && w == 2, "rd_copy reads unaligned-safe");
	struct rd sub;
	ok(!rd_sub(&b, 10, 7, &sub) && sub.len == 0, "sub-range past the end fails");
}

static void test_json(void)
{
	struct sbuf b = { 0 };
	struct json j = { .out = &b };
	json_obj(&j);
	json_kstr(&j, "name", "a\"b\n");
	json_kint(&j, "n", -3);
	json_key(&j, "list");
	json_arr(&j);
	json_uint(&j, 1);
	json_bool(&j, true);
	json_null(&j);
	json_obj(&j);
	json_end(&j);
	json_end(&j);
	json_kbool(&j, "ok", false);
	json_end(&j);
	is_str(sbuf_str(&b), "{\"name\":\"a\\\"b\\n\",\"n\":-3,\"list\":[1,true,null,{}],\"ok\":false}",
	       "JSON nesting, commas and escapes");
	sbuf_release(&b);
}

int main(void)
{
	test_error();
	test_sbuf();
	test_vec();
	test_reader();
	test_json();
	return tap_done();
}
