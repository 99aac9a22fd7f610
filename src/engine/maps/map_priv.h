/*
 * The map object shared by the files of src/engine/maps/: a common header
 * (type, sizes, name, reference count, lock) and a table of operations per
 * type.  Each type's file embeds `struct moat_map` first in its own struct.
 */
#ifndef MOAT_ENGINE_MAPS_MAP_PRIV_H
#define MOAT_ENGINE_MAPS_MAP_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/map_internal.h"

struct map_ops;

struct moat_map {
	const struct map_ops *ops;
	enum moat_map_type type;
	uint32_t key_size, value_size, max_entries, flags;
	char *name; /* owned; never NULL ("" when unnamed) */
	unsigned long refcnt;
	pthread_mutex_t lock; /* serialises structural changes; values are shared memory */
};

/*
 * Per-type operations.  All return kernel-style 0 / -errno; err may be NULL
 * (the program-side path), in which case no message is formatted.
 * `check` runs before allocation and validates sizes and flags as the
 * kernel's *_alloc_check does; `alloc` returns a zeroed object whose first
 * member is struct moat_map.  NULL ops mean the kernel's -ENOTSUPP.
 */
struct map_ops {
	const char *kind; /* "hash", "array", ... for messages */
	int (*check)(const struct moat_map_def *def, struct moat_error *err);
	struct moat_map *(*alloc)(const struct moat_map_def *def, struct moat_error *err);
	void (*free)(struct moat_map *m);
	void *(*lookup)(struct moat_map *m, const void *key, bool from_prog);
	long (*update)(struct moat_map *m, const void *key, const void *val, uint64_t flags,
		       struct moat_error *err);
	long (*del)(struct moat_map *m, const void *key, struct moat_error *err);
	int (*next_key)(struct moat_map *m, const void *key, void *next);
};

extern const struct map_ops map_array_ops, map_percpu_array_ops, map_prog_array_ops;
extern const struct map_ops map_hash_ops, map_percpu_hash_ops, map_lru_hash_ops;
extern const struct map_ops map_lpm_ops, map_ringbuf_ops;

/* Largest allocation a map may make; beyond it creation fails with -ENOMEM. */
#define MAP_MEM_MAX ((uint64_t)1 << 31)
/* The kernel's KMALLOC_MAX_SIZE (4 KiB pages) and PCPU_MIN_UNIT_SIZE. */
#define MAP_KMALLOC_MAX ((uint64_t)1 << 22)
#define MAP_PCPU_MAX 32768u
/* The BPF stack size: keys are built on it. */
#define MAP_MAX_KEY 512u

static inline uint64_t map_round8(uint64_t x)
{
	return (x + 7) & ~(uint64_t)7;
}

/*
 * Records "<kind> map '<name>': <message>" in err and returns -errnum.
 * Cheap when err is NULL.
 */
int map_err(const struct moat_map *m, struct moat_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records "<kind> map '<name>' is full (max_entries N)"; returns -errnum. */
int map_full_err(const struct moat_map *m, struct moat_error *err, int errnum);

/* As map_err, for a definition not yet turned into a map. */
int map_def_err(const struct moat_map_def *def, const char *kind, struct moat_error *err,
		int errnum, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Checks update flags (ANY/NOEXIST/EXIST only) against presence of the key. */
long map_check_flags(const struct moat_map *m, bool present, uint64_t flags,
		     struct moat_error *err);

/* The hash table shared by the hash, LRU and LPM maps (hash.c). */
struct htab;
struct htab *htab_new(uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		      bool prealloc, bool lru);
void htab_free(struct htab *h);
/* Returns the value of key or NULL; `touch` marks it most recently used (LRU). */
void *htab_lookup(struct htab *h, const void *key, bool touch);
/* Inserts or replaces; returns 0, -EEXIST/-ENOENT by flags, -E2BIG when full. */
long htab_update(struct htab *h, const void *key, const void *val, uint64_t flags);
long htab_delete(struct htab *h, const void *key);
int htab_next_key(struct htab *h, const void *key, void *next);
uint32_t htab_count(const struct htab *h);

#endif
