/*
 * Typed growable arrays:
 *     VEC(struct moat_insn) v = {0};
 *     if (vec_push(&v, insn) < 0) ...;   // v.v[0 .. v.n-1]
 *     vec_release(&v);
 */
#ifndef MOAT_UTIL_VEC_H
#define MOAT_UTIL_VEC_H

#include <errno.h>
#include <stdlib.h>

#define VEC(T)              \
	struct {            \
		T *v;       \
		size_t n;   \
		size_t cap; \
	}

/* Ensures room for `extra` more elements; returns 0 or -ENOMEM. */
#define vec_reserve(vp, extra) \
	vec_reserve_((void **)&(vp)->v, &(vp)->cap, (vp)->n, (extra), sizeof(*(vp)->v))

/* Appends a copy of x; returns 0 or -ENOMEM. */
#define vec_push(vp, x) \
	(vec_reserve((vp), 1) ? -ENOMEM : ((vp)->v[(vp)->n++] = (x), 0))

#define vec_release(vp)                                 \
	do {                                            \
		free((vp)->v);                          \
		(vp)->v = NULL;                         \
		(vp)->n = (vp)->cap = 0;                \
	} while (0)

static inline int vec_reserve_(void **v, size_t *cap, size_t n, size_t extra, size_t elem)
{
	if (n + extra <= *cap)
		return 0;
	size_t c = *cap ? *cap : 8;
	while (c < n + extra)
		c *= 2;
	if (c > (size_t)-1 / elem)
		return -ENOMEM;
	void *p = realloc(*v, c * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

#endif
