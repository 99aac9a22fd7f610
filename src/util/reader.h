/*
 * Safe binary reader.  Readers take types, not sizes:
 *     const Elf64_Shdr *sh = rd_at(&buf, off, Elf64_Shdr);     // NULL if out of range
 *     const uint32_t *w = rd_array(&buf, off, count, uint32_t); // overflow-safe
 *     uint16_t v; if (!rd_copy(&buf, off, &v)) ...              // unaligned-safe copy
 * Every bound is checked with overflow-safe arithmetic.
 */
#ifndef MOAT_UTIL_READER_H
#define MOAT_UTIL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
};

static inline const void *rd_ptr_(const struct rd *b, size_t off, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	size_t bytes = count * size;
	if (off > b->len || bytes > b->len - off)
		return NULL;
	return b->p + off;
}

#define rd_at(b, off, T) ((const T *)rd_ptr_((b), (off), 1, sizeof(T)))
#define rd_array(b, off, count, T) ((const T *)rd_ptr_((b), (off), (count), sizeof(T)))
#define rd_copy(b, off, out) \
	(rd_ptr_((b), (off), 1, sizeof(*(out))) ? \
		 (memcpy((out), (b)->p + (off), sizeof(*(out))), true) : false)

/* A sub-range [off, off+len) of b, or an empty reader with ok=false. */
static inline bool rd_sub(const struct rd *b, size_t off, size_t len, struct rd *out)
{
	const void *p = rd_ptr_(b, off, len, 1);
	*out = (struct rd){ p, p ? len : 0 };
	return p != NULL;
}

#endif
