/*
 * Array maps: BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY (one CPU) and PROG_ARRAY.
 * Keys are u32 indexes; every element exists from creation, zeroed, so
 * delete is -EINVAL and NOEXIST is -EEXIST, as in the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/maps/map_priv.h"

struct array_map {
	struct moat_map map;
	uint64_t elem_size; /* value_size rounded up to 8 */
	void **progs;       /* PROG_ARRAY: stored exec pointers */
	uint64_t data[];    /* max_entries * elem_size */
};

static struct array_map *arr(struct moat_map *m)
{
	return (struct array_map *)m;
}

static int array_check_common(const struct moat_map_def *def, const char *kind,
			      struct moat_error *err)
{
	if (def->key_size != 4)
		return map_def_err(def, kind, err, EINVAL, "key_size must be 4, not %u",
				   def->key_size);
	if (def->value_size == 0)
		return map_def_err(def, kind, err, EINVAL, "value_size must not be 0");
	if (def->flags & MOAT_MAP_F_NO_PREALLOC)
		return map_def_err(def, kind, err, EINVAL,
				   "arrays are always preallocated (MOAT_MAP_F_NO_PREALLOC)");
	return 0;
}

static int array_check(const struct moat_map_def *def, struct moat_error *err)
{
	int r = array_check_common(def, "array", err);
	if (r < 0)
		return r;
	if (def->value_size > MAP_KMALLOC_MAX)
		return map_def_err(def, "array", err, E2BIG, "value_size %u is too large (max %llu)",
				   def->value_size, (unsigned long long)MAP_KMALLOC_MAX);
	return 0;
}

static int percpu_array_check(const struct moat_map_def *def, struct moat_error *err)
{
	int r = array_check_common(def, "percpu array", err);
	if (r < 0)
		return r;
	if (map_round8(def->value_size) > MAP_PCPU_MAX)
		return map_def_err(def, "percpu array", err, E2BIG,
				   "value_size %u is too large (max %u)", def->value_size,
				   MAP_PCPU_MAX);
	return 0;
}

static int prog_array_check(const struct moat_map_def *def, struct moat_error *err)
{
	int r = array_check_common(def, "prog array", err);
	if (r < 0)
		return r;
	if (def->value_size != 4)
		return map_def_err(def, "prog array", err, EINVAL, "value_size must be 4, not %u",
				   def->value_size);
	if (def->flags & MOAT_MAP_F_RDONLY_PROG)
		return map_def_err(def, "prog array", err, EINVAL,
				   "MOAT_MAP_F_RDONLY_PROG is not supported for prog arrays");
	return 0;
}

static struct moat_map *array_alloc(const struct moat_map_def *def, struct moat_error *err)
{
	uint64_t elem = map_round8(def->value_size);
	uint64_t bytes = elem * def->max_entries;
	bool progs = def->type == MOAT_MAP_PROG_ARRAY;
	if (progs)
		bytes = 0;
	if (bytes > MAP_MEM_MAX || (uint64_t)def->max_entries * sizeof(void *) > MAP_MEM_MAX) {
		map_def_err(def, "array", err, ENOMEM, "%u entries of %u bytes is too large",
			    def->max_entries, def->value_size);
		return NULL;
	}
	struct array_map *a = calloc(1, sizeof(*a) + bytes);
	if (a && progs && !(a->progs = calloc(def->max_entries, sizeof(void *)))) {
		free(a);
		a = NULL;
	}
	if (!a) {
		map_def_err(def, "array", err, ENOMEM, "out of memory");
		return NULL;
	}
	a->elem_size = elem;
	return &a->map;
}

static void array_free(struct moat_map *m)
{
	free(arr(m)->progs);
	free(m);
}

static void *array_lookup(struct moat_map *m, const void *key, bool from_prog)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	if (idx >= m->max_entries)
		return NULL;
	return (char *)arr(m)->data + (uint64_t)idx * arr(m)->elem_size;
}

static long array_update(struct moat_map *m, const void *key, const void *val, uint64_t flags,
			 struct moat_error *err)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	if (flags > MOAT_MAP_EXIST)
		return map_err(m, err, EINVAL, "invalid update flags 0x%llx",
			       (unsigned long long)flags);
	if (idx >= m->max_entries)
		return map_err(m, err, E2BIG, "index %u is out of range (max_entries %u)", idx,
			       m->max_entries);
	if (flags == MOAT_MAP_NOEXIST)
		return map_err(m, err, EEXIST,
			       "array elements always exist (MOAT_MAP_NOEXIST)");
	memcpy(array_lookup(m, key, false), val, m->value_size);
	return 0;
}

static long array_delete(struct moat_map *m, const void *key, struct moat_error *err)
{
	return map_err(m, err, EINVAL, "array elements cannot be deleted");
}

static int array_next_key(struct moat_map *m, const void *key, void *next)
{
	uint32_t idx = 0, n;
	if (key)
		memcpy(&idx, key, 4);
	if (!key || idx >= m->max_entries)
		n = 0;
	else if (idx == m->max_entries - 1)
		return -ENOENT;
	else
		n = idx + 1;
	memcpy(next, &n, 4);
	return 0;
}

static long prog_array_delete(struct moat_map *m, const void *key, struct moat_error *err)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	if (idx >= m->max_entries)
		return map_err(m, err, E2BIG, "index %u is out of range (max_entries %u)", idx,
			       m->max_entries);
	if (!arr(m)->progs[idx])
		return map_err(m, err, ENOENT, "slot %u is empty", idx);
	arr(m)->progs[idx] = NULL;
	return 0;
}

void *moat_prog_array_get(struct moat_map *m, uint32_t idx)
{
	if (!m || m->type != MOAT_MAP_PROG_ARRAY || idx >= m->max_entries)
		return NULL;
	pthread_mutex_lock(&m->lock);
	void *p = arr(m)->progs[idx];
	pthread_mutex_unlock(&m->lock);
	return p;
}

int moat_prog_array_store(struct moat_map *m, uint32_t idx, void *exec, struct moat_error *err)
{
	if (!m)
		return moat_error_set(err, EINVAL, "map is NULL");
	if (m->type != MOAT_MAP_PROG_ARRAY)
		return map_err(m, err, EINVAL, "not a prog array");
	if (idx >= m->max_entries)
		return map_err(m, err, E2BIG, "index %u is out of range (max_entries %u)", idx,
			       m->max_entries);
	pthread_mutex_lock(&m->lock);
	arr(m)->progs[idx] = exec;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

const struct map_ops map_array_ops = {
	.kind = "array",
	.check = array_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.del = array_delete,
	.next_key = array_next_key,
};

const struct map_ops map_percpu_array_ops = {
	.kind = "percpu array",
	.check = percpu_array_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.del = array_delete,
	.next_key = array_next_key,
};

/* Programs enter through moat_prog_array_store; lookup/update are refused in map.c. */
const struct map_ops map_prog_array_ops = {
	.kind = "prog array",
	.check = prog_array_check,
	.alloc = array_alloc,
	.free = array_free,
	.del = prog_array_delete,
	.next_key = array_next_key,
};
