/*
 * Scope-bound cleanup.  MOAT_AUTO(free) char *p = ...; frees p when it goes
 * out of scope; steal_ptr()/steal_fd() hand a value out and disarm the
 * cleanup.  `goto` stays for ordered rollback of kernel state.
 */
#ifndef MOAT_UTIL_CLEANUP_H
#define MOAT_UTIL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MOAT_AUTO(kind) __attribute__((cleanup(moat_auto_##kind)))

static inline void moat_auto_free(void *p)
{
	free(*(void **)p);
}

static inline void moat_auto_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void moat_auto_fclose(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Returns p and sets it to NULL; type-checked by __typeof__. */
#define steal_ptr(p)                     \
	({                               \
		__typeof__(p) _moat_p = (p); \
		(p) = NULL;              \
		_moat_p;                 \
	})

#define steal_fd(fd)                            \
	({                                      \
		int _moat_fd = (fd);            \
		_Static_assert(__builtin_types_compatible_p(__typeof__(fd), int), "fd"); \
		(fd) = -1;                      \
		_moat_fd;                       \
	})

#define MOAT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
