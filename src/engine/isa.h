/* Internal helpers around the instruction encoding (see isa.def). */
#ifndef MOAT_ENGINE_ISA_H
#define MOAT_ENGINE_ISA_H

#include <stdint.h>
#include <moat/insn.h>

/* Signed division and modulo as RFC 9669 defines them: x/0 = 0, x%0 = x,
 * INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0 (no trap). */
static inline uint64_t moat_sdiv64(uint64_t d, uint64_t s)
{
	int64_t a = (int64_t)d, b = (int64_t)s;
	if (b == 0)
		return 0;
	if (b == -1)
		return (uint64_t)0 - d;
	return (uint64_t)(a / b);
}
static inline uint64_t moat_smod64(uint64_t d, uint64_t s)
{
	int64_t a = (int64_t)d, b = (int64_t)s;
	if (b == 0)
		return d;
	if (b == -1)
		return 0;
	return (uint64_t)(a % b);
}
static inline uint32_t moat_sdiv32(uint64_t d, uint64_t s)
{
	int32_t a = (int32_t)d, b = (int32_t)s;
	if (b == 0)
		return 0;
	if (b == -1)
		return (uint32_t)0 - (uint32_t)a;
	return (uint32_t)(a / b);
}
static inline uint32_t moat_smod32(uint64_t d, uint64_t s)
{
	int32_t a = (int32_t)d, b = (int32_t)s;
	if (b == 0)
		return (uint32_t)a;
	if (b == -1)
		return 0;
	return (uint32_t)(a % b);
}

/* True for the first slot of a 64-bit immediate load (lddw). */
static inline int moat_is_lddw(const struct moat_insn *i)
{
	return i->code == (MOAT_LD | MOAT_IMM | MOAT_DW);
}

#endif
