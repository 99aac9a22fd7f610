/*
 * The hash table behind the hash, percpu hash, LRU hash and LPM maps.
 *
 * Open hashing: a power-of-two array of singly linked buckets, each element
 * holding its key and value (value 8-byte aligned, as programs expect).
 * Elements come from a preallocated pool with a free list, or from malloc
 * with a count against max_entries, like the kernel's two hash flavours.
 * LRU tables keep every element on a doubly linked recency list (head =
 * most recent); when the pool is empty the tail is evicted and reused.
 * The kernel's LRU is an approximation of this exact order.
 *
 * Deleted elements are never given back to malloc while the table lives:
 * they go on the free list and are reused.  A program may keep a value
 * pointer across a delete (the kernel's RCU makes that legal), so the
 * memory must stay valid; like a kernel preallocated map, it may then see
 * another key's value, but never freed memory.
 *
 * Iteration walks buckets in index order and each chain in list order, so
 * the order is stable while the table is not modified; a key that is no
 * longer present restarts iteration at the first key, as in the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/maps/map_priv.h"

struct htab_elem {
	struct htab_elem *next;
	struct htab_elem *lru_prev, *lru_next;
	uint64_t hash;
	uint64_t data[]; /* key, then value at val_off */
};

struct htab {
	struct htab_elem **buckets;
	uint32_t mask; /* n_buckets - 1 */
	uint32_t count, max;
	uint32_t key_size, value_size, val_off;
	size_t elem_size;
	bool prealloc, lru;
	char *pool;
	struct htab_elem *free_list;
	struct htab_elem *lru_head, *lru_tail;
};

/* FNV-1a over the bytes, finished with the murmur3 64-bit mixer. */
static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

struct htab *htab_new(uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		      bool prealloc, bool lru)
{
	/* Buckets: max_entries rounded up to a power of 2, capped at 4M chains. */
	uint64_t nb = 1;
	while (nb < max_entries && nb < (1u << 22))
		nb <<= 1;
	uint64_t val_off = map_round8(key_size);
	uint64_t elem = sizeof(struct htab_elem) + val_off + map_round8(value_size);
	if (nb * sizeof(void *) > MAP_MEM_MAX || (prealloc && elem * max_entries > MAP_MEM_MAX))
		return NULL;
	struct htab *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->buckets = calloc(nb, sizeof(void *));
	h->pool = prealloc ? calloc(max_entries, elem) : NULL;
	if (!h->buckets || (prealloc && !h->pool)) {
		free(h->buckets);
		free(h->pool);
		free(h);
		return NULL;
	}
	h->mask = (uint32_t)(nb - 1);
	h->max = max_entries;
	h->key_size = key_size;
	h->value_size = value_size;
	h->val_off = (uint32_t)val_off;
	h->elem_size = elem;
	h->prealloc = prealloc;
	h->lru = lru;
	for (uint32_t i = max_entries; prealloc && i-- > 0;) {
		struct htab_elem *e = (struct htab_elem *)(h->pool + (size_t)i * elem);
		e->next = h->free_list;
		h->free_list = e;
	}
	return h;
}

void htab_free(struct htab *h)
{
	if (!h)
		return;
	if (!h->prealloc) {
		for (uint64_t b = 0; b <= h->mask; b++) {
			for (struct htab_elem *e = h->buckets[b], *n; e; e = n) {
				n = e->next;
				free(e);
			}
		}
		for (struct htab_elem *e = h->free_list, *n; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(h->buckets);
	free(h->pool);
	free(h);
}

static struct htab_elem *find(struct htab *h, const void *key, uint64_t hash)
{
	for (struct htab_elem *e = h->buckets[hash & h->mask]; e; e = e->next)
		if (e->hash == hash && memcmp(e->data, key, h->key_size) == 0)
			return e;
	return NULL;
}

static void lru_unlink(struct htab *h, struct htab_elem *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		h->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		h->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct htab *h, struct htab_elem *e)
{
	e->lru_prev = NULL;
	e->lru_next = h->lru_head;
	if (h->lru_head)
		h->lru_head->lru_prev = e;
	else
		h->lru_tail = e;
	h->lru_head = e;
}

static void *value_of(struct htab *h, struct htab_elem *e)
{
	return (char *)e->data + h->val_off;
}

void *htab_lookup(struct htab *h, const void *key, bool touch)
{
	struct htab_elem *e = find(h, key, hash_bytes(key, h->key_size));
	if (!e)
		return NULL;
	if (h->lru && touch && h->lru_head != e) {
		lru_unlink(h, e);
		lru_push_front(h, e);
	}
	return value_of(h, e);
}

/* Unlinks e from its bucket and the LRU list; does not release it. */
static void unlink_elem(struct htab *h, struct htab_elem *e)
{
	struct htab_elem **pp = &h->buckets[e->hash & h->mask];
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	if (h->lru)
		lru_unlink(h, e);
	h->count--;
}

static void release_elem(struct htab *h, struct htab_elem *e)
{
	e->next = h->free_list;
	h->free_list = e;
}

static struct htab_elem *alloc_elem(struct htab *h)
{
	if (h->prealloc) {
		struct htab_elem *e = h->free_list;
		if (!e && h->lru && h->lru_tail) {
			e = h->lru_tail; /* evict the least recently used */
			unlink_elem(h, e);
			return e;
		}
		if (e)
			h->free_list = e->next;
		return e;
	}
	if (h->count >= h->max)
		return NULL;
	if (h->free_list) {
		struct htab_elem *e = h->free_list;
		h->free_list = e->next;
		return e;
	}
	return malloc(h->elem_size);
}

long htab_update(struct htab *h, const void *key, const void *val, uint64_t flags)
{
	uint64_t hash = hash_bytes(key, h->key_size);
	struct htab_elem *e = find(h, key, hash);
	if (e && flags == MOAT_MAP_NOEXIST)
		return -EEXIST;
	if (!e && flags == MOAT_MAP_EXIST)
		return -ENOENT;
	if (e) {
		memcpy(value_of(h, e), val, h->value_size);
		if (h->lru && h->lru_head != e) {
			lru_unlink(h, e);
			lru_push_front(h, e);
		}
		return 0;
	}
	e = alloc_elem(h);
	if (!e)
		return h->prealloc || h->count >= h->max ? -E2BIG : -ENOMEM;
	memset(e, 0, h->elem_size);
	e->hash = hash;
	memcpy(e->data, key, h->key_size);
	memcpy(value_of(h, e), val, h->value_size);
	struct htab_elem **b = &h->buckets[hash & h->mask];
	e->next = *b;
	*b = e;
	if (h->lru)
		lru_push_front(h, e);
	h->count++;
	return 0;
}

long htab_delete(struct htab *h, const void *key)
{
	struct htab_elem *e = find(h, key, hash_bytes(key, h->key_size));
	if (!e)
		return -ENOENT;
	unlink_elem(h, e);
	release_elem(h, e);
	return 0;
}

int htab_next_key(struct htab *h, const void *key, void *next)
{
	uint64_t b = 0;
	struct htab_elem *e = key ? find(h, key, hash_bytes(key, h->key_size)) : NULL;
	if (e && e->next) {
		memcpy(next, e->next->data, h->key_size);
		return 0;
	}
	if (e)
		b = (e->hash & h->mask) + 1;
	for (; b <= h->mask; b++) {
		if (h->buckets[b]) {
			memcpy(next, h->buckets[b]->data, h->key_size);
			return 0;
		}
	}
	return -ENOENT;
}

uint32_t htab_count(const struct htab *h)
{
	return h->count;
}
