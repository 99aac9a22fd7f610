/*
 * LPM trie maps (BPF_MAP_TYPE_LPM_TRIE).  A key is a u32 prefix length
 * followed by data bytes, most significant bit first (an IPv4 or IPv6
 * address in network order).  Updates and deletes name an exact prefix;
 * lookups return the value of the longest stored prefix that matches.
 *
 * Instead of the kernel's binary trie, entries live in a hash table keyed
 * by (prefixlen, data masked to prefixlen), with a count of entries per
 * prefix length.  A lookup probes the present prefix lengths from the
 * longest down, so it costs one hash probe per distinct length in use
 * (at most 33 for IPv4, 129 for IPv6).  Semantics match the kernel's:
 * creation needs NO_PREALLOC, key_size 5..260, a full map gives -ENOSPC,
 * and a prefixlen beyond the data's bits is -EINVAL.  Stored keys have the
 * bits past their prefix cleared, so iteration returns canonical keys.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/maps/map_priv.h"

#define LPM_DATA_MAX 256u

struct lpm_map {
	struct moat_map map;
	struct htab *h;
	uint32_t max_plen;  /* data bits */
	uint32_t *n_plen;   /* entries per prefix length, max_plen + 1 */
};

static struct lpm_map *lpm(struct moat_map *m)
{
	return (struct lpm_map *)m;
}

static int lpm_check(const struct moat_map_def *def, struct moat_error *err)
{
	if (!(def->flags & MOAT_MAP_F_NO_PREALLOC))
		return map_def_err(def, "LPM trie", err, EINVAL,
				   "LPM tries require MOAT_MAP_F_NO_PREALLOC");
	if (def->key_size < 5 || def->key_size > 4 + LPM_DATA_MAX)
		return map_def_err(def, "LPM trie", err, EINVAL,
				   "key_size %u must be between 5 and %u (4-byte prefix length "
				   "and 1 to %u data bytes)",
				   def->key_size, 4 + LPM_DATA_MAX, LPM_DATA_MAX);
	if (def->value_size == 0 || def->value_size > MAP_KMALLOC_MAX - LPM_DATA_MAX - 64)
		return map_def_err(def, "LPM trie", err, EINVAL, "value_size %u is out of range",
				   def->value_size);
	return 0;
}

static struct moat_map *lpm_alloc(const struct moat_map_def *def, struct moat_error *err)
{
	struct lpm_map *l = calloc(1, sizeof(*l));
	if (l) {
		l->max_plen = (def->key_size - 4) * 8;
		l->n_plen = calloc(l->max_plen + 1, sizeof(uint32_t));
		l->h = htab_new(def->key_size, def->value_size, def->max_entries, false, false);
	}
	if (!l || !l->n_plen || !l->h) {
		if (l) {
			free(l->n_plen);
			htab_free(l->h);
		}
		free(l);
		map_def_err(def, "LPM trie", err, ENOMEM, "out of memory");
		return NULL;
	}
	return &l->map;
}

static void lpm_free(struct moat_map *m)
{
	htab_free(lpm(m)->h);
	free(lpm(m)->n_plen);
	free(m);
}

/* Writes the canonical key for (plen, data): bits past plen cleared. */
static void make_key(const struct moat_map *m, uint32_t plen, const uint8_t *data, uint8_t *out)
{
	uint32_t n = m->key_size - 4, full = plen / 8, rem = plen % 8;
	memcpy(out, &plen, 4);
	memset(out + 4, 0, n);
	memcpy(out + 4, data, full);
	if (rem)
		out[4 + full] = data[full] & (uint8_t)(0xff00u >> rem);
}

static void *lpm_lookup(struct moat_map *m, const void *key, bool from_prog)
{
	struct lpm_map *l = lpm(m);
	uint8_t probe[4 + LPM_DATA_MAX];
	uint32_t plen;
	memcpy(&plen, key, 4);
	if (plen > l->max_plen)
		plen = l->max_plen;
	for (uint32_t i = plen + 1; i-- > 0;) {
		if (!l->n_plen[i])
			continue;
		make_key(m, i, (const uint8_t *)key + 4, probe);
		void *v = htab_lookup(l->h, probe, false);
		if (v)
			return v;
	}
	return NULL;
}

static long lpm_update(struct moat_map *m, const void *key, const void *val, uint64_t flags,
		       struct moat_error *err)
{
	struct lpm_map *l = lpm(m);
	uint8_t k[4 + LPM_DATA_MAX];
	uint32_t plen;
	memcpy(&plen, key, 4);
	if (flags > MOAT_MAP_EXIST)
		return map_check_flags(m, false, flags, err);
	if (plen > l->max_plen)
		return map_err(m, err, EINVAL, "prefix length %u is longer than the key's %u bits",
			       plen, l->max_plen);
	make_key(m, plen, (const uint8_t *)key + 4, k);
	uint32_t before = htab_count(l->h);
	long r = htab_update(l->h, k, val, flags);
	switch (r) {
	case 0:
		if (htab_count(l->h) != before)
			l->n_plen[plen]++;
		return 0;
	case -EEXIST:
		return map_check_flags(m, true, flags, err);
	case -ENOENT:
		return map_check_flags(m, false, flags, err);
	case -E2BIG:
		return map_full_err(m, err, ENOSPC);
	default:
		return map_err(m, err, (int)-r, "update failed");
	}
}

static long lpm_delete(struct moat_map *m, const void *key, struct moat_error *err)
{
	struct lpm_map *l = lpm(m);
	uint8_t k[4 + LPM_DATA_MAX];
	uint32_t plen;
	memcpy(&plen, key, 4);
	if (plen > l->max_plen)
		return map_err(m, err, EINVAL, "prefix length %u is longer than the key's %u bits",
			       plen, l->max_plen);
	make_key(m, plen, (const uint8_t *)key + 4, k);
	if (htab_delete(l->h, k) < 0)
		return map_err(m, err, ENOENT, "no such prefix");
	l->n_plen[plen]--;
	return 0;
}

static int lpm_next_key(struct moat_map *m, const void *key, void *next)
{
	struct lpm_map *l = lpm(m);
	uint8_t k[4 + LPM_DATA_MAX];
	uint32_t plen = 0;
	if (key)
		memcpy(&plen, key, 4);
	if (!key || plen > l->max_plen)
		return htab_next_key(l->h, NULL, next);
	make_key(m, plen, (const uint8_t *)key + 4, k);
	return htab_next_key(l->h, k, next);
}

const struct map_ops map_lpm_ops = {
	.kind = "LPM trie",
	.check = lpm_check,
	.alloc = lpm_alloc,
	.free = lpm_free,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.del = lpm_delete,
	.next_key = lpm_next_key,
};
