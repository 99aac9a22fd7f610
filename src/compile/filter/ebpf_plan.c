/*
 * What the eBPF backend knows about a classic filter before it emits a
 * single instruction (ebpf_internal.h has the facts and their meaning).
 *
 * Bounds checks.  Classic BPF rejects a packet when a load reaches past
 * its captured bytes.  req[] is computed backwards: a `ret 0` needs
 * EBPF_NEVER, any other return 0 bytes, a load max(offset + size, what
 * follows), a branch the smaller of its two targets.  A packet shorter
 * than req[i] is rejected by every path from i, so the emitter may test
 * `caplen >= req[i]` once, at the first load on a path that needs more
 * than is already known, and every later load on every path from there
 * that needs no more than req[i] goes unchecked.  known[] follows those
 * checks forwards, taking the minimum where paths meet.
 *
 * Byte order.  Classic loads are big-endian; eBPF loads are in host order
 * and a swap costs an instruction per load.  Equality and bit tests do not
 * care about byte order as long as the constant is swapped too, so a load
 * whose value only meets such tests stays raw.  arep[] is computed
 * forwards; where two paths bring A in different representations and the
 * instruction reads A, the whole program falls back to swapping at every
 * load (rare: the compiler's programs reload A after a join).
 */
#include <errno.h>
#include <stdlib.h>

#include "compile/filter/ebpf_internal.h"

#define CLS(c) ((c) & 7)
#define MODE(c) ((c) & 0xe0)
#define OP(c) ((c) & 0xf0)

uint32_t ebpf_load_need(const struct moat_cbpf_insn *in, uint32_t snaplen)
{
	bool ld = CLS(in->code) == 0x00 && (MODE(in->code) == 0x20 || MODE(in->code) == 0x40);
	bool msh = CLS(in->code) == 0x01 && MODE(in->code) == 0xa0;
	if (!ld && !msh)
		return 0;
	uint64_t need = (uint64_t)in->k + (msh ? 1 : ebpf_cbpf_size(in->code));
	return need > snaplen ? EBPF_NEVER : (uint32_t)need;
}

static uint32_t umax32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t umin32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* The targets of instruction i: 0, 1 or 2 of them in t[]. */
static int succs(const struct moat_cbpf_insn *in, size_t i, size_t t[2])
{
	if (CLS(in->code) == 0x06)
		return 0;
	if (CLS(in->code) != 0x05) {
		t[0] = i + 1;
		return 1;
	}
	if (OP(in->code) == 0x00) {
		t[0] = i + 1 + in->k;
		return 1;
	}
	t[0] = i + 1 + in->jt;
	t[1] = i + 1 + in->jf;
	return 2;
}

static void plan_req(struct ebpf_plan *p, const struct moat_cbpf_insn *insns)
{
	for (size_t i = p->n; i-- > 0;) {
		const struct moat_cbpf_insn *in = &insns[i];
		size_t t[2];
		int ns = succs(in, i, t);
		uint32_t r = 0;
		if (ns == 0)
			r = (in->code & 0x18) != 0x10 && in->k == 0 ? EBPF_NEVER : 0;
		else
			for (int s = 0; s < ns; s++)
				r = s ? umin32(r, t[s] < p->n ? p->req[t[s]] : 0)
				      : (t[s] < p->n ? p->req[t[s]] : 0);
		p->req[i] = umax32(r, ebpf_load_need(in, p->snaplen));
	}
}

/* X's bound after instruction `in` given its bound before. */
static uint32_t x_after(const struct moat_cbpf_insn *in, uint32_t x)
{
	if (CLS(in->code) == 0x01) {
		if (MODE(in->code) == 0x00)
			return in->k;
		return MODE(in->code) == 0xa0 ? 60 : UINT32_MAX;
	}
	if (CLS(in->code) == 0x07 && !(in->code & 0x80))
		return UINT32_MAX; /* tax */
	return x;
}

static bool reads_x(const struct moat_cbpf_insn *in)
{
	switch (CLS(in->code)) {
	case 0x00: return MODE(in->code) == 0x40;
	case 0x03: return true;
	case 0x04: return (in->code & 8) && OP(in->code) != 0x80;
	case 0x05: return OP(in->code) != 0x00 && (in->code & 8);
	case 0x07: return (in->code & 0x80) != 0;
	default: return false;
	}
}

bool ebpf_reads_a(const struct moat_cbpf_insn *in)
{
	switch (CLS(in->code)) {
	case 0x02: case 0x04: return true;
	case 0x05: return OP(in->code) != 0x00;
	case 0x06: return (in->code & 0x18) == 0x10;
	case 0x07: return !(in->code & 0x80);
	default: return false;
	}
}

bool ebpf_raw_ok(const struct moat_cbpf_insn *in, enum ebpf_arep rep)
{
	uint8_t op = OP(in->code);
	if ((in->code & 8) || rep == AREP_NORMAL)
		return false;
	if (CLS(in->code) == 0x05)
		return op == 0x10 || op == 0x40; /* jeq, jset */
	if (CLS(in->code) != 0x04)
		return false;
	if (op == 0x50) /* and: raw16's upper half is zero either way */
		return true;
	return (op == 0x40 || op == 0xa0) && (rep == AREP_RAW32 || in->k <= 0xffff);
}

/* A's representation after `in`, given it before (0xff: mixed). */
static uint8_t a_after(const struct moat_cbpf_insn *in, uint8_t rep, bool raw)
{
	if (CLS(in->code) == 0x00) {
		if (raw && (MODE(in->code) == 0x20 || MODE(in->code) == 0x40) &&
		    ebpf_cbpf_size(in->code) > 1)
			return ebpf_cbpf_size(in->code) == 2 ? AREP_RAW16 : AREP_RAW32;
		return AREP_NORMAL;
	}
	if (CLS(in->code) == 0x07 && (in->code & 0x80))
		return AREP_NORMAL; /* txa */
	if (!ebpf_reads_a(in))
		return rep;
	return ebpf_raw_ok(in, (enum ebpf_arep)rep) ? rep : AREP_NORMAL;
}

/* One forward pass: arep, xmax, known.  False when two paths bring A in
 * different representations to an instruction that reads it. */
static bool plan_forward(struct ebpf_plan *p, const struct moat_cbpf_insn *insns, bool *seen)
{
	for (size_t i = 0; i < p->n; i++)
		seen[i] = i == 0;
	p->arep[0] = AREP_NORMAL;
	p->xmax[0] = 0;
	p->known[0] = 0;
	bool ok = true;
	for (size_t i = 0; i < p->n; i++) {
		const struct moat_cbpf_insn *in = &insns[i];
		if (!seen[i]) { /* unreachable: assume nothing */
			p->arep[i] = AREP_NORMAL;
			p->xmax[i] = UINT32_MAX;
			p->known[i] = 0;
		}
		if (ebpf_reads_a(in) && p->arep[i] == 0xff)
			ok = false;
		uint8_t a = a_after(in, p->arep[i], p->raw_loads);
		uint32_t x = x_after(in, p->xmax[i]);
		uint32_t need = ebpf_load_need(in, p->snaplen);
		p->check[i] = need > p->known[i] ? p->req[i] : 0;
		uint32_t known = p->check[i] ? p->check[i] : p->known[i];
		size_t t[2];
		int ns = succs(in, i, t);
		for (int s = 0; s < ns; s++) {
			size_t j = t[s];
			if (j >= p->n)
				continue;
			if (!seen[j]) {
				seen[j] = true;
				p->arep[j] = a;
				p->xmax[j] = x;
				p->known[j] = known;
				continue;
			}
			if (p->arep[j] != a)
				p->arep[j] = 0xff; /* mixed: fatal only if j reads A */
			p->xmax[j] = umax32(p->xmax[j], x);
			p->known[j] = umin32(p->known[j], known);
		}
	}
	return ok;
}

int ebpf_plan_build(struct ebpf_plan *p, const struct moat_cbpf_insn *insns, size_t n,
		    uint32_t snaplen)
{
	*p = (struct ebpf_plan){ .n = n, .snaplen = snaplen, .raw_loads = true };
	size_t m = n ? n : 1;
	p->req = calloc(m, sizeof(*p->req));
	p->known = calloc(m, sizeof(*p->known));
	p->xmax = calloc(m, sizeof(*p->xmax));
	p->arep = calloc(m, sizeof(*p->arep));
	p->check = calloc(m, sizeof(*p->check));
	bool *seen = calloc(m, sizeof(*seen));
	if (!p->req || !p->known || !p->xmax || !p->arep || !p->check || !seen) {
		free(seen);
		ebpf_plan_release(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		p->uses_x |= reads_x(&insns[i]);
	plan_req(p, insns);
	if (n && !plan_forward(p, insns, seen)) {
		p->raw_loads = false;
		plan_forward(p, insns, seen);
	}
	for (size_t i = 0; i < n; i++) /* a mixed A that nothing reads: any will do */
		if (p->arep[i] == 0xff)
			p->arep[i] = AREP_NORMAL;
	free(seen);
	return 0;
}

void ebpf_plan_release(struct ebpf_plan *p)
{
	free(p->req);
	free(p->known);
	free(p->xmax);
	free(p->arep);
	free(p->check);
	*p = (struct ebpf_plan){ 0 };
}
