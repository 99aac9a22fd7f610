/*
 * Maps: key/value stores shared between programs and their host, with the
 * Linux kernel's semantics (types, flags, error codes).
 */
#ifndef MOAT_MAP_H
#define MOAT_MAP_H

#include <moat/error.h>

/* Map types, numbered as the kernel numbers them. */
enum moat_map_type {
	MOAT_MAP_HASH = 1,
	MOAT_MAP_ARRAY = 2,
	MOAT_MAP_PROG_ARRAY = 3,
	MOAT_MAP_PERCPU_HASH = 5,
	MOAT_MAP_PERCPU_ARRAY = 6,
	MOAT_MAP_LRU_HASH = 9,
	MOAT_MAP_LPM_TRIE = 11,
	MOAT_MAP_RINGBUF = 27,
};

/* Update flags, as the kernel's BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
enum { MOAT_MAP_ANY = 0, MOAT_MAP_NOEXIST = 1, MOAT_MAP_EXIST = 2 };

/* Creation flags (subset of the kernel's). */
enum { MOAT_MAP_F_NO_PREALLOC = 1u << 0, MOAT_MAP_F_RDONLY_PROG = 1u << 7 };

struct moat_map_def {
	size_t sz;              /* sizeof(struct moat_map_def), via MOAT_OPTS */
	enum moat_map_type type;
	uint32_t key_size;      /* bytes; 0 for ringbuf */
	uint32_t value_size;    /* bytes; 0 for ringbuf */
	uint32_t max_entries;   /* entries; ringbuf: data size, a power of 2 and page multiple */
	uint32_t flags;         /* MOAT_MAP_F_* */
	const char *name;       /* copied; may be NULL */
};

/*
 * Creates a map.  Checks sizes as the kernel does (array keys are 4 bytes,
 * LPM keys start with a 4-byte prefix length and need NO_PREALLOC, ...).
 * The map is reference counted: the creator holds one reference; programs
 * take their own.  Returns NULL on error.
 */
MOAT_API struct moat_map *moat_map_new(const struct moat_map_def *def, struct moat_error *err);

/* Takes another reference; returns map. */
MOAT_API struct moat_map *moat_map_ref(struct moat_map *map);

/* Drops a reference; the last one frees the map.  NULL is allowed. */
MOAT_API void moat_map_free(struct moat_map *map);

MOAT_API enum moat_map_type moat_map_type(const struct moat_map *map);
MOAT_API uint32_t moat_map_key_size(const struct moat_map *map);
MOAT_API uint32_t moat_map_value_size(const struct moat_map *map);
MOAT_API uint32_t moat_map_max_entries(const struct moat_map *map);
MOAT_API uint32_t moat_map_flags(const struct moat_map *map); /* MOAT_MAP_F_* */
MOAT_API const char *moat_map_name(const struct moat_map *map);

/*
 * Host-side operations, with the kernel's errors: -ENOENT (no such key),
 * -EEXIST (NOEXIST and present), -E2BIG (full), -EINVAL (bad flags or key),
 * -ENOTSUPP-like -EOPNOTSUPP (operation not defined for the type).
 * `value` is copied in or out; it is value_size bytes.
 */
MOAT_API int moat_map_update(struct moat_map *map, const void *key, const void *value,
			     uint64_t flags, struct moat_error *err);
MOAT_API int moat_map_lookup(struct moat_map *map, const void *key, void *value,
			     struct moat_error *err);
MOAT_API int moat_map_delete(struct moat_map *map, const void *key, struct moat_error *err);

/*
 * Iteration: writes the key after `key` (the first key when key is NULL or
 * not present) to next.  Returns -ENOENT after the last key.
 */
MOAT_API int moat_map_next_key(struct moat_map *map, const void *key, void *next,
			       struct moat_error *err);

/* Ring buffer consumer: fn is called for each submitted record, in order;
 * a non-zero return from fn stops early.  Returns the number of records
 * consumed, or a negative error. */
typedef int (*moat_ringbuf_fn)(void *arg, const void *data, size_t len);
MOAT_API int moat_ringbuf_consume(struct moat_map *map, moat_ringbuf_fn fn, void *arg,
				  struct moat_error *err);

#endif
