/*
 * Ring buffer maps (BPF_MAP_TYPE_RINGBUF), laid out as the kernel's.
 *
 * Producer and consumer positions grow without bound; a record lives at
 * (pos & mask).  Each record has an 8-byte header: u32 length with a BUSY
 * bit (reserved, not yet submitted) and a DISCARD bit, and u32 offset of
 * the header from the data start, which lets submit/discard find the ring
 * from the record pointer alone, like the kernel's pg_off.  Records are
 * 8-byte aligned.
 *
 * The kernel maps its data pages twice so a record that runs past the end
 * is contiguous.  Here the data area is 2 * size bytes and a record is
 * always written at its linear offset (pos & mask), possibly spilling into
 * the second half.  Live records cover at most `size` bytes of positions
 * starting at the consumer, so their linear ranges never overlap.
 *
 * The consumer stops at the first BUSY record, so records are delivered in
 * reservation order once submitted; discarded ones are skipped.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/maps/map_priv.h"

#define RB_BUSY (1u << 31)
#define RB_DISCARD (1u << 30)
#define RB_HDR 8u

struct rb_hdr {
	uint32_t len;
	uint32_t off;
};

struct ringbuf {
	struct moat_map map;
	uint64_t mask;
	uint64_t cons, prod;
	uint64_t data[]; /* 2 * (mask + 1) bytes */
};

static struct ringbuf *rbuf(struct moat_map *m)
{
	return (struct ringbuf *)m;
}

static uint8_t *base(struct ringbuf *rb)
{
	return (uint8_t *)rb->data;
}

static int rb_check(const struct moat_map_def *def, struct moat_error *err)
{
	uint32_t n = def->max_entries;
	if (def->key_size || def->value_size)
		return map_def_err(def, "ring buffer", err, EINVAL,
				   "key_size and value_size must be 0");
	if (def->flags)
		return map_def_err(def, "ring buffer", err, EINVAL,
				   "creation flags 0x%x are not supported", def->flags);
	if ((n & (n - 1)) || n % 4096)
		return map_def_err(def, "ring buffer", err, EINVAL,
				   "size %u must be a power of 2 and a multiple of 4096", n);
	return 0;
}

static struct moat_map *rb_alloc(const struct moat_map_def *def, struct moat_error *err)
{
	uint64_t bytes = 2 * (uint64_t)def->max_entries;
	struct ringbuf *rb = bytes <= MAP_MEM_MAX ? calloc(1, sizeof(*rb) + bytes) : NULL;
	if (!rb) {
		map_def_err(def, "ring buffer", err, ENOMEM, "cannot allocate %u bytes",
			    def->max_entries);
		return NULL;
	}
	rb->mask = def->max_entries - 1;
	return &rb->map;
}

static void rb_free(struct moat_map *m)
{
	free(m);
}

static struct rb_hdr *hdr_at(struct ringbuf *rb, uint64_t pos)
{
	return (struct rb_hdr *)(base(rb) + (pos & rb->mask));
}

void *moat_ringbuf_reserve(struct moat_map *m, uint64_t size, uint64_t flags)
{
	if (!m || m->type != MOAT_MAP_RINGBUF || flags)
		return NULL;
	struct ringbuf *rb = rbuf(m);
	if (size > rb->mask + 1 - RB_HDR || size > UINT32_MAX / 4)
		return NULL;
	uint64_t len = map_round8(size + RB_HDR);
	pthread_mutex_lock(&m->lock);
	void *rec = NULL;
	if (rb->prod + len - rb->cons <= rb->mask) {
		struct rb_hdr *h = hdr_at(rb, rb->prod);
		h->len = (uint32_t)size | RB_BUSY;
		h->off = (uint32_t)(rb->prod & rb->mask);
		rb->prod += len;
		rec = h + 1;
	}
	pthread_mutex_unlock(&m->lock);
	return rec;
}

static void commit(void *rec, bool discard)
{
	if (!rec)
		return;
	struct rb_hdr *h = (struct rb_hdr *)rec - 1;
	uint8_t *b = (uint8_t *)h - h->off;
	struct ringbuf *rb = (struct ringbuf *)(b - offsetof(struct ringbuf, data));
	pthread_mutex_lock(&rb->map.lock);
	h->len = (h->len & ~RB_BUSY) | (discard ? RB_DISCARD : 0);
	pthread_mutex_unlock(&rb->map.lock);
}

void moat_ringbuf_submit(void *rec, uint64_t flags)
{
	commit(rec, false);
}

void moat_ringbuf_discard(void *rec, uint64_t flags)
{
	commit(rec, true);
}

long moat_ringbuf_output(struct moat_map *m, const void *data, uint64_t size, uint64_t flags)
{
	if (flags & ~(uint64_t)(MOAT_RB_NO_WAKEUP | MOAT_RB_FORCE_WAKEUP))
		return -EINVAL;
	void *rec = moat_ringbuf_reserve(m, size, 0);
	if (!rec)
		return -EAGAIN;
	memcpy(rec, data, size);
	moat_ringbuf_submit(rec, flags);
	return 0;
}

uint64_t moat_ringbuf_query(struct moat_map *m, uint64_t flags)
{
	if (!m || m->type != MOAT_MAP_RINGBUF)
		return 0;
	struct ringbuf *rb = rbuf(m);
	pthread_mutex_lock(&m->lock);
	uint64_t r = 0;
	switch (flags) {
	case MOAT_RB_AVAIL_DATA: r = rb->prod - rb->cons; break;
	case MOAT_RB_RING_SIZE: r = rb->mask + 1; break;
	case MOAT_RB_CONS_POS: r = rb->cons; break;
	case MOAT_RB_PROD_POS: r = rb->prod; break;
	default: break;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

/*
 * The callback runs without the lock so it may use the map; the consumer
 * position only moves past a record after its callback returns, so the
 * producer cannot overwrite data being read.  One consumer at a time.
 */
MOAT_API int moat_ringbuf_consume(struct moat_map *map, moat_ringbuf_fn fn, void *arg,
				  struct moat_error *err)
{
	if (!map || !fn)
		return moat_error_set(err, EINVAL, "ring buffer or callback is NULL");
	if (map->type != MOAT_MAP_RINGBUF)
		return map_err(map, err, EINVAL, "not a ring buffer");
	struct ringbuf *rb = rbuf(map);
	int n = 0;
	for (;;) {
		pthread_mutex_lock(&map->lock);
		uint64_t pos = rb->cons;
		uint32_t len = pos < rb->prod ? hdr_at(rb, pos)->len : RB_BUSY;
		pthread_mutex_unlock(&map->lock);
		if (len & RB_BUSY)
			break;
		uint32_t size = len & ~(RB_BUSY | RB_DISCARD);
		int stop = 0;
		if (!(len & RB_DISCARD)) {
			stop = fn(arg, hdr_at(rb, pos) + 1, size);
			n++;
		}
		pthread_mutex_lock(&map->lock);
		rb->cons = pos + map_round8((uint64_t)size + RB_HDR);
		pthread_mutex_unlock(&map->lock);
		if (stop)
			break;
	}
	return n;
}

/* Ring buffers have no keys: lookup, update, delete and next_key are refused. */
const struct map_ops map_ringbuf_ops = {
	.kind = "ring buffer",
	.check = rb_check,
	.alloc = rb_alloc,
	.free = rb_free,
};
