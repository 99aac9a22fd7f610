/*
 * Tracked numbers: what the verifier knows of a 64-bit value bit by bit.
 * A bit set in mask is unknown; the other bits have the value in value
 * (value & mask == 0).  The arithmetic follows "Sound, precise, and fast
 * abstract interpretation with tristate numbers" (Vishwanathan et al.),
 * which the kernel's verifier uses too.
 */
#ifndef MOAT_ENGINE_VERIFIER_TNUM_H
#define MOAT_ENGINE_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct tnum {
	uint64_t value, mask;
};

#define TNUM(v, m) ((struct tnum){ .value = (v), .mask = (m) })

static inline struct tnum tnum_const(uint64_t v) { return TNUM(v, 0); }
static inline struct tnum tnum_unknown(void) { return TNUM(0, ~0ull); }
static inline bool tnum_is_const(struct tnum a) { return a.mask == 0; }
static inline bool tnum_is_unknown(struct tnum a) { return a.mask == ~0ull; }
static inline bool tnum_equals(struct tnum a, struct tnum b)
{
	return a.value == b.value && a.mask == b.mask;
}

/* Every value b allows, a allows too. */
static inline bool tnum_in(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	return (b.value & ~a.mask) == a.value;
}

/* The values in [min, max]. */
struct tnum tnum_range(uint64_t min, uint64_t max);

struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_lshift(struct tnum a, unsigned shift);
struct tnum tnum_rshift(struct tnum a, unsigned shift);
struct tnum tnum_arshift(struct tnum a, unsigned shift, unsigned width);
/* Values both allow (a and b must not contradict); the join of two states. */
struct tnum tnum_intersect(struct tnum a, struct tnum b);
struct tnum tnum_union(struct tnum a, struct tnum b);
/* The low `size` bytes, zero-extended. */
struct tnum tnum_cast(struct tnum a, unsigned size);
/* Low 32 bits, zero-extended; and a with its low 32 bits replaced by b's. */
static inline struct tnum tnum_lo32(struct tnum a) { return tnum_cast(a, 4); }

#endif
