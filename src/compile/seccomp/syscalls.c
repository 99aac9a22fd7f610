/*
 * The x86-64 syscall table (include/moat/syscalls.h).  The entries come from
 * $(BUILD)/gen/syscalls_x86_64.h, which the Makefile generates from the
 * kernel headers with scripts/gen-syscalls: two constant arrays, one sorted
 * by name for bsearch, one by number for the reverse lookup.
 */
#include <stdlib.h>
#include <string.h>

#include <moat/syscalls.h>

#include "util/cleanup.h"

#include "syscalls_x86_64.h"

static const struct moat_syscall by_name[] = { MOAT_SYSCALLS_BY_NAME };
static const struct moat_syscall by_nr[] = { MOAT_SYSCALLS_BY_NUMBER };

static int cmp_name(const void *key, const void *ent)
{
	return strcmp(key, ((const struct moat_syscall *)ent)->name);
}

static int cmp_nr(const void *key, const void *ent)
{
	int a = *(const int *)key, b = ((const struct moat_syscall *)ent)->nr;
	return (a > b) - (a < b);
}

int moat_syscall_number(const char *name)
{
	if (!name)
		return -1;
	const struct moat_syscall *s =
		bsearch(name, by_name, MOAT_ARRAY_SIZE(by_name), sizeof(by_name[0]), cmp_name);
	return s ? s->nr : -1;
}

const char *moat_syscall_name(int nr)
{
	const struct moat_syscall *s =
		bsearch(&nr, by_nr, MOAT_ARRAY_SIZE(by_nr), sizeof(by_nr[0]), cmp_nr);
	return s ? s->name : NULL;
}

int moat_syscall_max(void)
{
	return by_nr[MOAT_ARRAY_SIZE(by_nr) - 1].nr;
}

const struct moat_syscall *moat_syscall_table(size_t *n)
{
	*n = MOAT_ARRAY_SIZE(by_nr);
	return by_nr;
}
