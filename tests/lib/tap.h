/*
 * Minimal TAP producer for C unit tests.
 *     int main(void) { ok(1 + 1 == 2, "adds"); is_int(f(), 3, "f"); return tap_done(); }
 * skip() becomes a failure when MOAT_MUST_WORK=1 (as CI sets it).
 */
#ifndef MOAT_TESTS_TAP_H
#define MOAT_TESTS_TAP_H

#include <stdbool.h>
#include <stdint.h>

bool tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool tap_is_u64(uint64_t got, uint64_t want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));
void tap_skip(const char *why, const char *file, int line);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan and returns the exit status: 0 if every test passed. */
int tap_done(void);

#define ok(c, ...) tap_ok((c), __FILE__, __LINE__, __VA_ARGS__)
#define is_u64(g, w, ...) tap_is_u64((uint64_t)(g), (uint64_t)(w), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(g, w, ...) tap_is_u64((uint64_t)(int64_t)(g), (uint64_t)(int64_t)(w), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...) tap_is_str((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define skip(why) tap_skip((why), __FILE__, __LINE__)
#define diag(...) tap_diag(__VA_ARGS__)

#endif
