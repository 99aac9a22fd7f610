/*
 * The x86-64 system call table: names and numbers, generated at build time
 * from the kernel headers installed on the build machine
 * (asm/unistd_64.h of linux-libc-dev, by scripts/gen-syscalls).  Shared by
 * the seccomp compiler and anything else that names syscalls (tracing).
 * The table is constant: nothing here allocates or fails other than by
 * returning "unknown".
 */
#ifndef MOAT_SYSCALLS_H
#define MOAT_SYSCALLS_H

#include <moat/common.h>

/* One entry of the table. */
struct moat_syscall {
	const char *name; /* "openat"; static storage */
	int nr;           /* 257 */
};

/* The number of syscall `name` ("read" -> 0), or -1 when the table does not
 * know it (a typo, another architecture's call, or one newer than the headers). */
MOAT_API int moat_syscall_number(const char *name);

/* The name of syscall number `nr` (static storage), or NULL when unknown
 * (a hole in the numbering, negative, or above moat_syscall_max()). */
MOAT_API const char *moat_syscall_name(int nr);

/* The highest number the table knows (450 with Linux 6.1 headers). */
MOAT_API int moat_syscall_max(void);

/* The table sorted by number: *n receives the count.  Static storage. */
MOAT_API const struct moat_syscall *moat_syscall_table(size_t *n);

#endif
