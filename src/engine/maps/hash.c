/*
 * Hash maps: BPF_MAP_TYPE_HASH, PERCPU_HASH (one CPU) and LRU_HASH, on the
 * table of htab.c.  Size and flag checks follow the kernel's
 * htab_map_alloc_check: keys at most the BPF stack (512 bytes), LRU maps
 * always preallocated, percpu values at most PCPU_MIN_UNIT_SIZE.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/maps/map_priv.h"

struct hash_map {
	struct moat_map map;
	struct htab *h;
};

static struct htab *tab(struct moat_map *m)
{
	return ((struct hash_map *)m)->h;
}

static int check_kind(const struct moat_map_def *def, const char *kind, struct moat_error *err)
{
	if (def->key_size == 0)
		return map_def_err(def, kind, err, EINVAL, "key_size must not be 0");
	if (def->value_size == 0)
		return map_def_err(def, kind, err, EINVAL, "value_size must not be 0");
	if (def->key_size > MAP_MAX_KEY)
		return map_def_err(def, kind, err, E2BIG,
				   "key_size %u is larger than the BPF stack (%u)", def->key_size,
				   MAP_MAX_KEY);
	if ((uint64_t)def->key_size + def->value_size >= MAP_KMALLOC_MAX - 64)
		return map_def_err(def, kind, err, E2BIG, "key_size + value_size is too large");
	return 0;
}

static int hash_check(const struct moat_map_def *def, struct moat_error *err)
{
	return check_kind(def, "hash", err);
}

static int percpu_hash_check(const struct moat_map_def *def, struct moat_error *err)
{
	int r = check_kind(def, "percpu hash", err);
	if (r == 0 && map_round8(def->value_size) > MAP_PCPU_MAX)
		return map_def_err(def, "percpu hash", err, E2BIG,
				   "value_size %u is too large (max %u)", def->value_size,
				   MAP_PCPU_MAX);
	return r;
}

static int lru_check(const struct moat_map_def *def, struct moat_error *err)
{
	int r = check_kind(def, "LRU hash", err);
	if (r == 0 && (def->flags & MOAT_MAP_F_NO_PREALLOC))
		return map_def_err(def, "LRU hash", err, EOPNOTSUPP,
				   "LRU maps are always preallocated (MOAT_MAP_F_NO_PREALLOC)");
	return r;
}

static struct moat_map *hash_alloc(const struct moat_map_def *def, struct moat_error *err)
{
	struct hash_map *hm = calloc(1, sizeof(*hm));
	bool prealloc = !(def->flags & MOAT_MAP_F_NO_PREALLOC);
	if (hm)
		hm->h = htab_new(def->key_size, def->value_size, def->max_entries, prealloc,
				 def->type == MOAT_MAP_LRU_HASH);
	if (!hm || !hm->h) {
		free(hm);
		map_def_err(def, "hash", err, ENOMEM, "cannot allocate %u entries",
			    def->max_entries);
		return NULL;
	}
	return &hm->map;
}

static void hash_free(struct moat_map *m)
{
	htab_free(tab(m));
	free(m);
}

static void *hash_lookup(struct moat_map *m, const void *key, bool from_prog)
{
	/* As in the kernel, only program lookups refresh LRU recency. */
	return htab_lookup(tab(m), key, from_prog);
}

static long hash_update(struct moat_map *m, const void *key, const void *val, uint64_t flags,
			struct moat_error *err)
{
	if (flags > MOAT_MAP_EXIST)
		return map_check_flags(m, false, flags, err);
	long r = htab_update(tab(m), key, val, flags);
	switch (r) {
	case 0:
		return 0;
	case -EEXIST:
		return map_check_flags(m, true, flags, err);
	case -ENOENT:
		return map_check_flags(m, false, flags, err);
	case -E2BIG:
		return map_full_err(m, err, E2BIG);
	default:
		return map_err(m, err, (int)-r, "update failed");
	}
}

static long hash_delete(struct moat_map *m, const void *key, struct moat_error *err)
{
	long r = htab_delete(tab(m), key);
	return r < 0 ? map_err(m, err, ENOENT, "no such key") : 0;
}

static int hash_next_key(struct moat_map *m, const void *key, void *next)
{
	return htab_next_key(tab(m), key, next);
}

const struct map_ops map_hash_ops = {
	.kind = "hash",
	.check = hash_check,
	.alloc = hash_alloc,
	.free = hash_free,
	.lookup = hash_lookup,
	.update = hash_update,
	.del = hash_delete,
	.next_key = hash_next_key,
};

const struct map_ops map_percpu_hash_ops = {
	.kind = "percpu hash",
	.check = percpu_hash_check,
	.alloc = hash_alloc,
	.free = hash_free,
	.lookup = hash_lookup,
	.update = hash_update,
	.del = hash_delete,
	.next_key = hash_next_key,
};

const struct map_ops map_lru_hash_ops = {
	.kind = "LRU hash",
	.check = lru_check,
	.alloc = hash_alloc,
	.free = hash_free,
	.lookup = hash_lookup,
	.update = hash_update,
	.del = hash_delete,
	.next_key = hash_next_key,
};
