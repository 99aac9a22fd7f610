/* Unit tests for src/engine/maps: every map type against the kernel's semantics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/map.h>
#include "engine/map_internal.h"
#include "tap.h"

static struct moat_map *mk(enum moat_map_type t, uint32_t ks, uint32_t vs, uint32_t max,
			   uint32_t flags, const char *name, struct moat_error *e)
{
	MOAT_OPTS(moat_map_def, d, .type = t, .key_size = ks, .value_size = vs,
		  .max_entries = max, .flags = flags, .name = name);
	return moat_map_new(&d, e);
}

static int mk_err(enum moat_map_type t, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(t, ks, vs, max, flags, NULL, &e);
	if (m) {
		moat_map_free(m);
		return 0;
	}
	return -e.errnum;
}

static void test_create_checks(void)
{
	is_int(mk_err(MOAT_MAP_ARRAY, 4, 8, 4, 0), 0, "array ok");
	is_int(mk_err(MOAT_MAP_ARRAY, 8, 8, 4, 0), -EINVAL, "array key 8 -> EINVAL");
	is_int(mk_err(MOAT_MAP_ARRAY, 4, 0, 4, 0), -EINVAL, "array value 0 -> EINVAL");
	is_int(mk_err(MOAT_MAP_ARRAY, 4, 8, 0, 0), -EINVAL, "max_entries 0 -> EINVAL");
	is_int(mk_err(MOAT_MAP_ARRAY, 4, 8, 4, MOAT_MAP_F_NO_PREALLOC), -EINVAL,
	       "array NO_PREALLOC -> EINVAL");
	is_int(mk_err(MOAT_MAP_ARRAY, 4, 8, 4, 1u << 3), -EINVAL, "unknown flag -> EINVAL");
	is_int(mk_err(MOAT_MAP_ARRAY, 4, 8, 4, MOAT_MAP_F_RDONLY_PROG), 0, "array RDONLY_PROG ok");
	is_int(mk_err(MOAT_MAP_ARRAY, 4, (1u << 22) + 1, 1, 0), -E2BIG, "array huge value -> E2BIG");
	is_int(mk_err(MOAT_MAP_PERCPU_ARRAY, 4, 32769, 1, 0), -E2BIG, "percpu value > 32K -> E2BIG");
	is_int(mk_err(MOAT_MAP_HASH, 0, 8, 4, 0), -EINVAL, "hash key 0 -> EINVAL");
	is_int(mk_err(MOAT_MAP_HASH, 4, 0, 4, 0), -EINVAL, "hash value 0 -> EINVAL");
	is_int(mk_err(MOAT_MAP_HASH, 513, 8, 4, 0), -E2BIG, "hash key > 512 -> E2BIG");
	is_int(mk_err(MOAT_MAP_HASH, 4, 8, 4, MOAT_MAP_F_NO_PREALLOC), 0, "hash NO_PREALLOC ok");
	is_int(mk_err(MOAT_MAP_LRU_HASH, 4, 8, 4, MOAT_MAP_F_NO_PREALLOC), -EOPNOTSUPP,
	       "LRU NO_PREALLOC refused");
	is_int(mk_err(MOAT_MAP_LPM_TRIE, 8, 8, 4, 0), -EINVAL, "LPM without NO_PREALLOC");
	is_int(mk_err(MOAT_MAP_LPM_TRIE, 4, 8, 4, MOAT_MAP_F_NO_PREALLOC), -EINVAL, "LPM key 4");
	is_int(mk_err(MOAT_MAP_LPM_TRIE, 261, 8, 4, MOAT_MAP_F_NO_PREALLOC), -EINVAL, "LPM key 261");
	is_int(mk_err(MOAT_MAP_LPM_TRIE, 260, 8, 4, MOAT_MAP_F_NO_PREALLOC), 0, "LPM key 260 ok");
	is_int(mk_err(MOAT_MAP_LPM_TRIE, 5, 8, 4, MOAT_MAP_F_NO_PREALLOC), 0, "LPM key 5 ok");
	is_int(mk_err(MOAT_MAP_RINGBUF, 0, 0, 4096, 0), 0, "ringbuf 4096 ok");
	is_int(mk_err(MOAT_MAP_RINGBUF, 0, 0, 3 * 4096, 0), -EINVAL, "ringbuf not pow2");
	is_int(mk_err(MOAT_MAP_RINGBUF, 0, 0, 2048, 0), -EINVAL, "ringbuf below page");
	is_int(mk_err(MOAT_MAP_RINGBUF, 4, 0, 4096, 0), -EINVAL, "ringbuf key_size");
	is_int(mk_err(MOAT_MAP_RINGBUF, 0, 0, 4096, MOAT_MAP_F_NO_PREALLOC), -EINVAL,
	       "ringbuf flags");
	is_int(mk_err(MOAT_MAP_PROG_ARRAY, 4, 8, 4, 0), -EINVAL, "prog array value 8");
	is_int(mk_err(MOAT_MAP_PROG_ARRAY, 4, 4, 4, 0), 0, "prog array ok");
	is_int(mk_err((enum moat_map_type)99, 4, 4, 4, 0), -EINVAL, "unknown type");
	is_int(moat_map_new(NULL, NULL) == NULL, 1, "NULL def");
}

static void test_array(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_ARRAY, 4, 12, 4, 0, "arr", &e);
	ok(m != NULL, "array created");
	is_str(moat_map_name(m), "arr", "name copied");
	is_int(moat_map_type(m), MOAT_MAP_ARRAY, "type");
	is_int(moat_map_key_size(m), 4, "key size");
	is_int(moat_map_value_size(m), 12, "value size");
	is_int(moat_map_max_entries(m), 4, "max entries");
	uint32_t k = 2, v[3] = { 9, 9, 9 }, z[3] = { 0 };
	is_int(moat_map_lookup(m, &k, v, &e), 0, "lookup of untouched element");
	ok(memcmp(v, z, 12) == 0, "values zero-initialised");
	v[0] = 7;
	is_int(moat_map_update(m, &k, v, MOAT_MAP_ANY, &e), 0, "update ANY");
	is_int(moat_map_update(m, &k, v, MOAT_MAP_EXIST, &e), 0, "update EXIST");
	is_int(moat_map_update(m, &k, v, MOAT_MAP_NOEXIST, &e), -EEXIST, "NOEXIST -> EEXIST");
	is_int(moat_map_update(m, &k, v, 4, &e), -EINVAL, "flag 4 -> EINVAL");
	k = 4;
	is_int(moat_map_update(m, &k, v, 0, &e), -E2BIG, "index out of range -> E2BIG");
	is_int(moat_map_lookup(m, &k, v, &e), -ENOENT, "lookup out of range -> ENOENT");
	k = 2;
	is_int(moat_map_delete(m, &k, &e), -EINVAL, "delete -> EINVAL");
	uint32_t *p = moat_map_elem_lookup(m, &k);
	ok(p && p[0] == 7, "program lookup points at the value");
	ok(((uintptr_t)p & 7) == 0, "value 8-byte aligned");
	p[1] = 5;
	is_int(moat_map_lookup(m, &k, v, &e), 0, "host sees program write");
	is_int(v[1], 5, "shared value");
	uint32_t cur, nk, seen = 0;
	int r = moat_map_next_key(m, NULL, &nk, &e);
	while (r == 0) {
		is_int(nk, seen, "array next_key in order");
		seen++;
		cur = nk;
		r = moat_map_next_key(m, &cur, &nk, &e);
	}
	is_int(r, -ENOENT, "next_key ends with ENOENT");
	is_int(seen, 4, "array iteration visits all 4");
	cur = 100;
	is_int(moat_map_next_key(m, &cur, &nk, &e), 0, "next_key of bad index");
	is_int(nk, 0, "restarts at 0");
	moat_map_ref(m);
	moat_map_free(m);
	is_int(moat_map_max_entries(m), 4, "still alive after ref+free");
	moat_map_free(m);
	moat_map_free(NULL);

	m = mk(MOAT_MAP_ARRAY, 4, 8, 2, MOAT_MAP_F_RDONLY_PROG, NULL, &e);
	uint64_t v8 = 1;
	k = 0;
	is_int(moat_map_elem_update(m, &k, &v8, 0), -EPERM, "RDONLY_PROG refuses program writes");
	is_int(moat_map_update(m, &k, &v8, 0, &e), 0, "host may still write");
	moat_map_free(m);

	m = mk(MOAT_MAP_PERCPU_ARRAY, 4, 8, 2, 0, NULL, &e);
	k = 1;
	v8 = 42;
	is_int(moat_map_elem_update(m, &k, &v8, 0), 0, "percpu array program update");
	uint64_t *pv = moat_map_elem_lookup(m, &k);
	ok(pv && *pv == 42, "percpu lookup gives cpu 0 value");
	moat_map_free(m);
}

static void test_hash_basic(uint32_t flags)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_HASH, 8, 4, 16, flags, "counts", &e);
	ok(m != NULL, "hash created (flags %u)", flags);
	uint64_t k = 1;
	uint32_t v = 10, out = 0;
	is_int(moat_map_lookup(m, &k, &out, &e), -ENOENT, "missing key -> ENOENT");
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_EXIST, &e), -ENOENT, "EXIST on missing");
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_NOEXIST, &e), 0, "NOEXIST on missing");
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_NOEXIST, &e), -EEXIST, "NOEXIST on present");
	v = 11;
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_EXIST, &e), 0, "EXIST on present");
	is_int(moat_map_lookup(m, &k, &out, &e), 0, "lookup");
	is_int(out, 11, "value replaced");
	is_int(moat_map_update(m, &k, &v, 3, &e), -EINVAL, "bad flags");
	is_int(moat_map_delete(m, &k, &e), 0, "delete");
	is_int(moat_map_delete(m, &k, &e), -ENOENT, "delete again -> ENOENT");
	for (k = 100; k < 116; k++)
		is_int(moat_map_update(m, &k, &v, 0, &e), 0, "fill %u", (unsigned)k);
	is_int(moat_map_update(m, &k, &v, 0, &e), -E2BIG, "full -> E2BIG");
	is_str(e.msg, "hash map 'counts' is full (max_entries 16)", "full message");
	k = 105;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "replace still works when full");
	is_int(moat_map_elem_delete(m, &k), 0, "program delete");
	k = 200;
	is_int(moat_map_elem_update(m, &k, &v, 0), 0, "slot reused after delete");

	/* Iteration visits every key exactly once. */
	int seen[300] = { 0 }, n = 0;
	uint64_t cur, nk;
	int r = moat_map_next_key(m, NULL, &nk, &e);
	while (r == 0) {
		if (nk < 300)
			seen[nk]++;
		n++;
		cur = nk;
		r = moat_map_next_key(m, &cur, &nk, &e);
	}
	is_int(r, -ENOENT, "iteration ends with ENOENT");
	is_int(n, 16, "16 keys visited");
	int once = 1;
	for (k = 100; k < 116; k++)
		once &= k == 105 ? seen[k] == 0 : seen[k] == 1;
	ok(once && seen[200] == 1, "every key once");

	/* Delete during iteration: take next, then delete the previous. */
	n = 0;
	r = moat_map_next_key(m, NULL, &cur, &e);
	while (r == 0) {
		r = moat_map_next_key(m, &cur, &nk, &e);
		is_int(moat_map_delete(m, &cur, &e), 0, "delete while iterating");
		n++;
		cur = nk;
	}
	is_int(n, 16, "deleting iteration visited all");
	is_int(moat_map_next_key(m, NULL, &nk, &e), -ENOENT, "empty map has no first key");
	moat_map_free(m);
}

static void test_hash_many(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_PERCPU_HASH, 4, 8, 5000, 0, NULL, &e);
	uint32_t k;
	int good = 1;
	for (k = 0; k < 5000; k++) {
		uint64_t v = k * 3ull;
		good &= moat_map_update(m, &k, &v, MOAT_MAP_NOEXIST, &e) == 0;
	}
	for (k = 0; k < 5000; k++) {
		uint64_t *p = moat_map_elem_lookup(m, &k);
		good &= p && *p == k * 3ull;
	}
	ok(good, "5000 keys stored and found");
	/* Deleting the current key restarts iteration (kernel semantics); all keys still go. */
	uint32_t cur;
	int n = 0;
	while (moat_map_next_key(m, NULL, &cur, &e) == 0 && n < 6000) {
		moat_map_delete(m, &cur, &e);
		n++;
	}
	is_int(n, 5000, "delete-first loop empties the map");
	moat_map_free(m);
}

static void test_stale_pointer(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_HASH, 4, 8, 4, MOAT_MAP_F_NO_PREALLOC, NULL, &e);
	uint32_t k = 1;
	uint64_t v = 5;
	moat_map_update(m, &k, &v, 0, &e);
	uint64_t *p = moat_map_elem_lookup(m, &k);
	is_int(moat_map_elem_delete(m, &k), 0, "delete while a program holds the value");
	*p = 6; /* must not be a use after free (ASan checks) */
	k = 2;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "deleted element reused");
	for (k = 3; k < 6; k++)
		moat_map_update(m, &k, &v, 0, &e);
	is_int(moat_map_update(m, &k, &v, 0, &e), -E2BIG, "non-prealloc full -> E2BIG");
	moat_map_free(m);
}

static void test_lru(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_LRU_HASH, 4, 4, 3, 0, "lru", &e);
	uint32_t k, v = 1, out;
	for (k = 1; k <= 3; k++)
		moat_map_update(m, &k, &v, 0, &e);
	k = 1;
	ok(moat_map_elem_lookup(m, &k) != NULL, "program lookup of 1 refreshes it");
	k = 4;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "update when full evicts");
	k = 2;
	is_int(moat_map_lookup(m, &k, &out, &e), -ENOENT, "least recently used (2) evicted");
	k = 1;
	is_int(moat_map_lookup(m, &k, &out, &e), 0, "refreshed key 1 kept");
	k = 3;
	v = 9;
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_EXIST, &e), 0, "update refreshes 3");
	k = 5;
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_NOEXIST, &e), 0, "insert 5 evicts");
	k = 1;
	is_int(moat_map_lookup(m, &k, &out, &e), -ENOENT, "1 was now least recent");
	k = 3;
	is_int(moat_map_lookup(m, &k, &out, &e), 0, "3 kept");
	is_int(out, 9, "3 has new value");
	k = 4;
	is_int(moat_map_lookup(m, &k, &out, &e), 0, "4 kept");
	is_int(moat_map_delete(m, &k, &e), 0, "LRU delete");
	k = 6;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "insert into freed slot");
	k = 3;
	is_int(moat_map_lookup(m, &k, &out, &e), 0, "no eviction when a slot was free");
	moat_map_free(m);
}

struct lpm4 {
	uint32_t plen;
	uint8_t a[4];
};

struct lpm6 {
	uint32_t plen;
	uint8_t a[16];
};

static uint32_t lpm4_get(struct moat_map *m, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct lpm4 k = { 32, { a, b, c, d } };
	uint32_t *v = moat_map_elem_lookup(m, &k);
	return v ? *v : 0;
}

static void test_lpm4(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_LPM_TRIE, 8, 4, 4, MOAT_MAP_F_NO_PREALLOC, "routes", &e);
	ok(m != NULL, "LPM created");
	struct lpm4 k;
	uint32_t v;
	k = (struct lpm4){ 8, { 10, 0, 0, 0 } }, v = 1;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "10/8");
	k = (struct lpm4){ 16, { 10, 1, 99, 99 } }, v = 2;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "10.1/16 (host bits ignored)");
	k = (struct lpm4){ 24, { 10, 1, 2, 0 } }, v = 3;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "10.1.2/24");
	k = (struct lpm4){ 0, { 0 } }, v = 9;
	is_int(moat_map_update(m, &k, &v, 0, &e), 0, "default route /0");
	k = (struct lpm4){ 25, { 10, 1, 2, 128 } };
	is_int(moat_map_update(m, &k, &v, 0, &e), -ENOSPC, "full LPM -> ENOSPC");
	k = (struct lpm4){ 33, { 10, 1, 2, 128 } };
	is_int(moat_map_update(m, &k, &v, 0, &e), -EINVAL, "prefixlen 33 -> EINVAL");
	k = (struct lpm4){ 16, { 10, 1, 0, 0 } }, v = 22;
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_NOEXIST, &e), -EEXIST, "NOEXIST existing prefix");
	is_int(moat_map_update(m, &k, &v, MOAT_MAP_EXIST, &e), 0, "EXIST replaces");
	is_int(lpm4_get(m, 10, 1, 2, 3), 3, "10.1.2.3 -> /24");
	is_int(lpm4_get(m, 10, 1, 3, 3), 22, "10.1.3.3 -> /16");
	is_int(lpm4_get(m, 10, 200, 3, 3), 1, "10.200.3.3 -> /8");
	is_int(lpm4_get(m, 11, 0, 0, 1), 9, "11.0.0.1 -> /0");
	k = (struct lpm4){ 20, { 10, 1, 2, 3 } };
	uint32_t out;
	is_int(moat_map_lookup(m, &k, &out, &e), 0, "lookup prefixlen limits match");
	is_int(out, 22, "/20 query matches /16 not /24");
	k = (struct lpm4){ 24, { 10, 1, 2, 77 } };
	is_int(moat_map_delete(m, &k, &e), 0, "exact delete (host bits ignored)");
	is_int(moat_map_delete(m, &k, &e), -ENOENT, "delete again -> ENOENT");
	k = (struct lpm4){ 12, { 10, 0, 0, 0 } };
	is_int(moat_map_delete(m, &k, &e), -ENOENT, "delete of absent /12");
	is_int(lpm4_get(m, 10, 1, 2, 3), 22, "after delete /16 wins");
	k = (struct lpm4){ 0, { 0 } };
	moat_map_delete(m, &k, &e);
	is_int(lpm4_get(m, 11, 0, 0, 1), 0, "no match -> NULL");

	struct lpm4 cur, nk;
	int n = 0, r = moat_map_next_key(m, NULL, &nk, &e);
	while (r == 0) {
		n++;
		cur = nk;
		r = moat_map_next_key(m, &cur, &nk, &e);
	}
	is_int(n, 2, "LPM iteration visits the 2 prefixes");
	moat_map_free(m);
}

static void test_lpm6(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_LPM_TRIE, 20, 4, 64, MOAT_MAP_F_NO_PREALLOC, NULL, &e);
	struct lpm6 k = { 32, { 0x20, 0x01, 0x0d, 0xb8 } };
	uint32_t v = 32, out;
	moat_map_update(m, &k, &v, 0, &e);
	k = (struct lpm6){ 64, { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } }, v = 64;
	moat_map_update(m, &k, &v, 0, &e);
	k = (struct lpm6){ 127, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x02 } }, v = 127;
	moat_map_update(m, &k, &v, 0, &e);
	k = (struct lpm6){ 129, { 0 } };
	is_int(moat_map_update(m, &k, &v, 0, &e), -EINVAL, "IPv6 prefixlen 129 -> EINVAL");
	k = (struct lpm6){ 128, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x03 } };
	is_int(moat_map_lookup(m, &k, &out, &e), 0, "::3 matches");
	is_int(out, 127, "2001:db8:1::3 -> /127");
	k.a[15] = 4;
	moat_map_lookup(m, &k, &out, &e);
	is_int(out, 64, "2001:db8:1::4 -> /64");
	k.a[5] = 2;
	moat_map_lookup(m, &k, &out, &e);
	is_int(out, 32, "2001:db8:2::4 -> /32");
	k.a[0] = 0x30;
	is_int(moat_map_lookup(m, &k, &out, &e), -ENOENT, "3001:: no match");
	moat_map_free(m);
}

struct got {
	int n;
	uint32_t vals[64];
	size_t lens[64];
	int stop_after;
};

static int collect(void *arg, const void *data, size_t len)
{
	struct got *g = arg;
	uint32_t v = 0;
	memcpy(&v, data, len < 4 ? len : 4);
	g->lens[g->n] = len;
	g->vals[g->n++] = v;
	return g->stop_after && g->n >= g->stop_after;
}

static void test_ringbuf(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_RINGBUF, 0, 0, 4096, 0, "events", &e);
	ok(m != NULL, "ringbuf created");
	uint32_t k = 0, v = 0;
	is_int(moat_map_update(m, &k, &v, 0, &e), -EOPNOTSUPP, "ringbuf update refused");
	is_int(moat_map_lookup(m, &k, &v, &e), -EOPNOTSUPP, "ringbuf lookup refused");
	is_int(moat_ringbuf_query(m, MOAT_RB_RING_SIZE), 4096, "ring size");
	ok(moat_ringbuf_reserve(m, 8, 1) == NULL, "reserve flags must be 0");
	ok(moat_ringbuf_reserve(m, 4096, 0) == NULL, "reserve too big");

	uint32_t *a = moat_ringbuf_reserve(m, 4, 0);
	uint32_t *b = moat_ringbuf_reserve(m, 5, 0);
	uint32_t *c = moat_ringbuf_reserve(m, 4, 0);
	ok(a && b && c, "three reservations");
	ok(((uintptr_t)a & 7) == 0 && ((uintptr_t)b & 7) == 0, "8-byte aligned");
	is_int((char *)b - (char *)a, 16, "8-byte header + data rounded to 8");
	is_int(moat_ringbuf_query(m, MOAT_RB_PROD_POS), 16 + 16 + 16, "prod pos");
	*a = 1, *b = 2, *c = 3;
	moat_ringbuf_submit(c, 0);
	moat_ringbuf_discard(b, 0);
	struct got g = { 0 };
	is_int(moat_ringbuf_consume(m, collect, &g, &e), 0, "pending first record blocks all");
	moat_ringbuf_submit(a, 0);
	is_int(moat_ringbuf_consume(m, collect, &g, &e), 2, "then submitted delivered");
	is_int(g.vals[0], 1, "reservation order 1");
	is_int(g.vals[1], 3, "discarded skipped, then 3");
	is_int(g.lens[1], 4, "length delivered");
	is_int(moat_ringbuf_query(m, MOAT_RB_AVAIL_DATA), 0, "all consumed");
	is_int(moat_ringbuf_query(m, MOAT_RB_CONS_POS), 48, "cons pos");

	/* Fill: 4096-byte ring holds at most 4095 bytes of records. */
	int n = 0;
	uint32_t payload[250];
	memset(payload, 0, sizeof(payload));
	while (n < 100) {
		payload[0] = (uint32_t)n;
		if (moat_ringbuf_output(m, payload, 1000, 0) < 0)
			break;
		n++;
	}
	is_int(n, 4, "four 1008-byte records fit");
	is_int(moat_ringbuf_output(m, payload, 1000, 0), -EAGAIN, "full -> EAGAIN");
	is_int(moat_ringbuf_output(m, payload, 8, 4), -EINVAL, "bad output flags");
	memset(&g, 0, sizeof(g));
	g.stop_after = 1;
	is_int(moat_ringbuf_consume(m, collect, &g, &e), 1, "callback stops early");
	g.stop_after = 0;
	/* Wraparound: a record now spans the end of the ring. */
	payload[0] = 77;
	payload[249] = 0xabcdef;
	is_int(moat_ringbuf_output(m, payload, 1000, 0), 0, "record wraps around the end");
	is_int(moat_ringbuf_consume(m, collect, &g, &e), 4, "rest delivered");
	is_int(g.vals[1], 1, "order kept");
	is_int(g.vals[4], 77, "wrapped record delivered");
	int wraps_ok = 1;
	for (int round = 0; round < 50; round++) {
		payload[0] = (uint32_t)round;
		payload[249] = (uint32_t)round * 7;
		uint32_t *rec = moat_ringbuf_reserve(m, 1000, 0);
		wraps_ok &= rec != NULL;
		if (!rec)
			break;
		memcpy(rec, payload, 1000);
		moat_ringbuf_submit(rec, 0);
		struct got g2 = { 0 };
		wraps_ok &= moat_ringbuf_consume(m, collect, &g2, &e) == 1 && g2.vals[0] == (uint32_t)round;
	}
	ok(wraps_ok, "50 rounds of wraparound");
	moat_ringbuf_discard(NULL, 0);
	moat_map_free(m);
}

static void test_prog_array(void)
{
	struct moat_error e = { 0 };
	struct moat_map *m = mk(MOAT_MAP_PROG_ARRAY, 4, 4, 4, 0, "jumps", &e);
	int dummy;
	uint32_t k = 1, v = 0;
	ok(moat_prog_array_get(m, 1) == NULL, "empty slot");
	is_int(moat_prog_array_store(m, 1, &dummy, &e), 0, "store");
	ok(moat_prog_array_get(m, 1) == &dummy, "get returns stored pointer");
	is_int(moat_prog_array_store(m, 4, &dummy, &e), -E2BIG, "store out of range");
	ok(moat_prog_array_get(m, 9) == NULL, "get out of range");
	is_int(moat_map_update(m, &k, &v, 0, &e), -EOPNOTSUPP, "host update refused");
	is_int(moat_map_lookup(m, &k, &v, &e), -EOPNOTSUPP, "host lookup refused");
	ok(moat_map_elem_lookup(m, &k) == NULL, "program lookup refused");
	is_int(moat_map_delete(m, &k, &e), 0, "delete clears");
	ok(moat_prog_array_get(m, 1) == NULL, "cleared");
	is_int(moat_map_delete(m, &k, &e), -ENOENT, "delete empty -> ENOENT");
	moat_prog_array_store(m, 2, &dummy, &e);
	is_int(moat_prog_array_store(m, 2, NULL, &e), 0, "store NULL");
	ok(moat_prog_array_get(m, 2) == NULL, "store NULL clears");
	struct moat_map *h = mk(MOAT_MAP_HASH, 4, 4, 4, 0, NULL, &e);
	is_int(moat_prog_array_store(h, 0, &dummy, &e), -EINVAL, "store into non-prog-array");
	moat_map_free(h);
	moat_map_free(m);
}

int main(void)
{
	test_create_checks();
	test_array();
	test_hash_basic(0);
	test_hash_basic(MOAT_MAP_F_NO_PREALLOC);
	test_hash_many();
	test_stale_pointer();
	test_lru();
	test_lpm4();
	test_lpm6();
	test_ringbuf();
	test_prog_array();
	return tap_done();
}
