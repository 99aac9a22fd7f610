/*
 * Internal map interface: program-side operations used by the VM helpers.
 * They return kernel-style 0 / -errno and never allocate error messages.
 */
#ifndef MOAT_ENGINE_MAP_INTERNAL_H
#define MOAT_ENGINE_MAP_INTERNAL_H

#include <stdint.h>
#include <moat/map.h>

/* Program-side operations (used by helpers.c); return kernel-style 0/-errno. */
void *moat_map_elem_lookup(struct moat_map *m, const void *key);   /* pointer to the value inside the map, NULL if absent; for percpu types the value of cpu 0 */
long moat_map_elem_update(struct moat_map *m, const void *key, const void *val, uint64_t flags);
long moat_map_elem_delete(struct moat_map *m, const void *key);
void *moat_ringbuf_reserve(struct moat_map *m, uint64_t size, uint64_t flags); /* NULL when full or size bad */
void moat_ringbuf_submit(void *rec, uint64_t flags);
void moat_ringbuf_discard(void *rec, uint64_t flags);
long moat_ringbuf_output(struct moat_map *m, const void *data, uint64_t size, uint64_t flags);
uint64_t moat_ringbuf_query(struct moat_map *m, uint64_t flags); /* flags: 0 avail data(BPF_RB_AVAIL_DATA=0), 1 ring size, 2 cons pos, 3 prod pos */
void *moat_prog_array_get(struct moat_map *m, uint32_t idx);       /* stored exec pointer or NULL */
int moat_prog_array_store(struct moat_map *m, uint32_t idx, void *exec, struct moat_error *err);

/* Ring buffer query flags, as the kernel's BPF_RB_*. */
enum {
	MOAT_RB_AVAIL_DATA = 0,
	MOAT_RB_RING_SIZE = 1,
	MOAT_RB_CONS_POS = 2,
	MOAT_RB_PROD_POS = 3,
};

/* Ring buffer submit/output flags (wakeup hints; accepted and ignored). */
enum { MOAT_RB_NO_WAKEUP = 1u << 0, MOAT_RB_FORCE_WAKEUP = 1u << 1 };

#endif
