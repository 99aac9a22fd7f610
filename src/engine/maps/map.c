/*
 * Maps: the public API of include/moat/map.h and the program-side entry
 * points of engine/map_internal.h.  Type-specific work is dispatched through
 * struct map_ops; this file owns validation common to every type, the
 * reference count, the lock and error messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/maps/map_priv.h"

static const struct {
	enum moat_map_type type;
	const struct map_ops *ops;
} map_types[] = {
	{ MOAT_MAP_HASH, &map_hash_ops },
	{ MOAT_MAP_ARRAY, &map_array_ops },
	{ MOAT_MAP_PROG_ARRAY, &map_prog_array_ops },
	{ MOAT_MAP_PERCPU_HASH, &map_percpu_hash_ops },
	{ MOAT_MAP_PERCPU_ARRAY, &map_percpu_array_ops },
	{ MOAT_MAP_LRU_HASH, &map_lru_hash_ops },
	{ MOAT_MAP_LPM_TRIE, &map_lpm_ops },
	{ MOAT_MAP_RINGBUF, &map_ringbuf_ops },
};

static const struct map_ops *ops_of(enum moat_map_type type)
{
	for (size_t i = 0; i < sizeof(map_types) / sizeof(map_types[0]); i++)
		if (map_types[i].type == type)
			return map_types[i].ops;
	return NULL;
}

__attribute__((format(printf, 5, 0)))
static int verr(struct moat_error *err, int errnum, const char *kind, const char *name,
		const char *fmt, va_list ap)
{
	if (!err)
		return -errnum;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (name && *name)
		return moat_error_set(err, errnum, "%s map '%s': %s", kind, name, msg);
	return moat_error_set(err, errnum, "%s map: %s", kind, msg);
}

int map_err(const struct moat_map *m, struct moat_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = verr(err, errnum, m->ops->kind, m->name, fmt, ap);
	va_end(ap);
	return r;
}

int map_full_err(const struct moat_map *m, struct moat_error *err, int errnum)
{
	if (!err)
		return -errnum;
	if (*m->name)
		return moat_error_set(err, errnum, "%s map '%s' is full (max_entries %u)",
				      m->ops->kind, m->name, m->max_entries);
	return moat_error_set(err, errnum, "%s map is full (max_entries %u)", m->ops->kind,
			      m->max_entries);
}

int map_def_err(const struct moat_map_def *def, const char *kind, struct moat_error *err,
		int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *name = MOAT_OPTS_HAS(def, moat_map_def, name) ? def->name : NULL;
	int r = verr(err, errnum, kind, name, fmt, ap);
	va_end(ap);
	return r;
}

long map_check_flags(const struct moat_map *m, bool present, uint64_t flags,
		     struct moat_error *err)
{
	if (flags > MOAT_MAP_EXIST)
		return map_err(m, err, EINVAL, "invalid update flags 0x%llx",
			       (unsigned long long)flags);
	if (present && flags == MOAT_MAP_NOEXIST)
		return map_err(m, err, EEXIST, "key already exists (MOAT_MAP_NOEXIST)");
	if (!present && flags == MOAT_MAP_EXIST)
		return map_err(m, err, ENOENT, "key not found (MOAT_MAP_EXIST)");
	return 0;
}

MOAT_API struct moat_map *moat_map_new(const struct moat_map_def *def, struct moat_error *err)
{
	if (!def || def->sz < offsetof(struct moat_map_def, name)) {
		moat_error_set(err, EINVAL, "map definition missing or too old (sz)");
		return NULL;
	}
	const struct map_ops *ops = ops_of(def->type);
	if (!ops) {
		moat_error_set(err, EINVAL, "unknown map type %d", (int)def->type);
		return NULL;
	}
	if (def->flags & ~(uint32_t)(MOAT_MAP_F_NO_PREALLOC | MOAT_MAP_F_RDONLY_PROG)) {
		map_def_err(def, ops->kind, err, EINVAL, "unknown creation flags 0x%x",
			    def->flags & ~(uint32_t)(MOAT_MAP_F_NO_PREALLOC | MOAT_MAP_F_RDONLY_PROG));
		return NULL;
	}
	if (def->max_entries == 0) {
		map_def_err(def, ops->kind, err, EINVAL, "max_entries must be greater than 0");
		return NULL;
	}
	if (ops->check(def, err) < 0)
		return NULL;
	const char *name = MOAT_OPTS_HAS(def, moat_map_def, name) && def->name ? def->name : "";
	char *copy = strdup(name);
	if (!copy) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	struct moat_map *m = ops->alloc(def, err);
	if (!m) {
		free(copy);
		return NULL;
	}
	m->ops = ops;
	m->type = def->type;
	m->key_size = def->key_size;
	m->value_size = def->value_size;
	m->max_entries = def->max_entries;
	m->flags = def->flags;
	m->name = copy;
	m->refcnt = 1;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

MOAT_API struct moat_map *moat_map_ref(struct moat_map *map)
{
	if (map)
		__atomic_add_fetch(&map->refcnt, 1, __ATOMIC_RELAXED);
	return map;
}

MOAT_API void moat_map_free(struct moat_map *map)
{
	if (!map || __atomic_sub_fetch(&map->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	pthread_mutex_destroy(&map->lock);
	free(map->name);
	map->ops->free(map);
}

MOAT_API enum moat_map_type moat_map_type(const struct moat_map *map)
{
	return map->type;
}

MOAT_API uint32_t moat_map_key_size(const struct moat_map *map)
{
	return map->key_size;
}

MOAT_API uint32_t moat_map_value_size(const struct moat_map *map)
{
	return map->value_size;
}

MOAT_API uint32_t moat_map_max_entries(const struct moat_map *map)
{
	return map->max_entries;
}

MOAT_API uint32_t moat_map_flags(const struct moat_map *map)
{
	return map->flags;
}

MOAT_API const char *moat_map_name(const struct moat_map *map)
{
	return map->name;
}

static int host_args(struct moat_map *map, const void *key, const void *value, bool need_val,
		     struct moat_error *err)
{
	if (!map)
		return moat_error_set(err, EINVAL, "map is NULL");
	if (map->key_size && !key)
		return map_err(map, err, EINVAL, "key is NULL");
	if (need_val && map->value_size && !value)
		return map_err(map, err, EINVAL, "value is NULL");
	return 0;
}

static int unsupported(struct moat_map *map, const char *op, struct moat_error *err)
{
	if (map->type == MOAT_MAP_PROG_ARRAY)
		return map_err(map, err, EOPNOTSUPP,
			       "%s is not supported from the host; use moat_prog_array_store", op);
	return map_err(map, err, EOPNOTSUPP, "%s is not supported for this map type", op);
}

MOAT_API int moat_map_update(struct moat_map *map, const void *key, const void *value,
			     uint64_t flags, struct moat_error *err)
{
	int r = host_args(map, key, value, true, err);
	if (r < 0)
		return r;
	if (!map->ops->update || map->type == MOAT_MAP_PROG_ARRAY)
		return unsupported(map, "update", err);
	pthread_mutex_lock(&map->lock);
	r = (int)map->ops->update(map, key, value, flags, err);
	pthread_mutex_unlock(&map->lock);
	return r;
}

MOAT_API int moat_map_lookup(struct moat_map *map, const void *key, void *value,
			     struct moat_error *err)
{
	int r = host_args(map, key, value, true, err);
	if (r < 0)
		return r;
	if (!map->ops->lookup || map->type == MOAT_MAP_PROG_ARRAY)
		return unsupported(map, "lookup", err);
	pthread_mutex_lock(&map->lock);
	const void *v = map->ops->lookup(map, key, false);
	if (v)
		memcpy(value, v, map->value_size);
	pthread_mutex_unlock(&map->lock);
	return v ? 0 : map_err(map, err, ENOENT, "no such key");
}

MOAT_API int moat_map_delete(struct moat_map *map, const void *key, struct moat_error *err)
{
	int r = host_args(map, key, NULL, false, err);
	if (r < 0)
		return r;
	if (!map->ops->del)
		return unsupported(map, "delete", err);
	pthread_mutex_lock(&map->lock);
	r = (int)map->ops->del(map, key, err);
	pthread_mutex_unlock(&map->lock);
	return r;
}

MOAT_API int moat_map_next_key(struct moat_map *map, const void *key, void *next,
			       struct moat_error *err)
{
	if (!map)
		return moat_error_set(err, EINVAL, "map is NULL");
	if (!map->ops->next_key)
		return unsupported(map, "next_key", err);
	if (!next)
		return map_err(map, err, EINVAL, "next key buffer is NULL");
	pthread_mutex_lock(&map->lock);
	int r = map->ops->next_key(map, key, next);
	pthread_mutex_unlock(&map->lock);
	if (r == -ENOENT)
		return map_err(map, err, ENOENT, "no more keys");
	return r < 0 ? map_err(map, err, -r, "next_key failed") : 0;
}

/* ---- program side ---------------------------------------------------- */

void *moat_map_elem_lookup(struct moat_map *m, const void *key)
{
	if (!m || !m->ops->lookup || m->type == MOAT_MAP_PROG_ARRAY)
		return NULL;
	pthread_mutex_lock(&m->lock);
	void *v = m->ops->lookup(m, key, true);
	pthread_mutex_unlock(&m->lock);
	return v;
}

long moat_map_elem_update(struct moat_map *m, const void *key, const void *val, uint64_t flags)
{
	if (!m || !m->ops->update || m->type == MOAT_MAP_PROG_ARRAY)
		return -EOPNOTSUPP;
	if (m->flags & MOAT_MAP_F_RDONLY_PROG)
		return -EPERM;
	pthread_mutex_lock(&m->lock);
	long r = m->ops->update(m, key, val, flags, NULL);
	pthread_mutex_unlock(&m->lock);
	return r;
}

long moat_map_elem_delete(struct moat_map *m, const void *key)
{
	if (!m || !m->ops->del)
		return -EOPNOTSUPP;
	if (m->flags & MOAT_MAP_F_RDONLY_PROG)
		return -EPERM;
	pthread_mutex_lock(&m->lock);
	long r = m->ops->del(m, key, NULL);
	pthread_mutex_unlock(&m->lock);
	return r;
}
