/* Shared macros of the public API: export marker, version, option structs. */
#ifndef MOAT_COMMON_H
#define MOAT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MOAT_API __attribute__((visibility("default")))

#define MOAT_VERSION "0.1.0"

/*
 * Options that will grow live in structs whose first member is `size_t sz`,
 * set to sizeof the struct the caller was compiled against, so a newer
 * library can tell which fields an older caller knows about:
 *     MOAT_OPTS(moat_exec_opts, o, .mode = MOAT_EXEC_JIT);
 *     moat_exec_new(vm, prog, &o, &err);
 */
#define MOAT_OPTS(type, name, ...) \
	struct type name = { .sz = sizeof(struct type), __VA_ARGS__ }

/* True if an opts struct of the caller's size has field `f`. */
#define MOAT_OPTS_HAS(o, type, f) \
	((o) && (o)->sz >= offsetof(struct type, f) + sizeof((o)->f))

/*
 * A sink receives text the library produces (verifier logs, trace_printk
 * output, traces).  The library never prints on its own.
 */
struct moat_sink {
	void (*write)(void *arg, const char *text, size_t len);
	void *arg;
};

/* Returns the library version string, e.g. "0.1.0". */
MOAT_API const char *moat_version(void);

#endif
