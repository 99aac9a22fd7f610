/*
 * Memory safety: every load, store and atomic operation, and every memory
 * argument of a helper, is checked against what its base register points
 * to — the stack (initialised bytes, spilled registers), the context
 * layout, the MOAT_PROG_MEM buffer, a map value, a ring-buffer record, or
 * packet bytes proven by a bounds check.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <moat/map.h>

#include "engine/exec_internal.h"
#include "engine/isa.h"
#include "engine/verifier/walk.h"

enum acc { ACC_READ, ACC_WRITE, ACC_ATOMIC };

static const char *acc_verb(enum acc a)
{
	return a == ACC_READ ? "read" : a == ACC_WRITE ? "write" : "atomic update";
}

static bool var_const(const struct vreg *p)
{
	return tnum_is_const(p->var);
}

/* [lo, hi) of the bytes an access of size at p + off may touch. */
static void access_range(const struct vreg *p, int64_t off, uint64_t size, int64_t *lo, int64_t *hi)
{
	int64_t base = (int64_t)p->off + off;
	if (var_const(p)) {
		*lo = base + (int64_t)p->var.value;
		*hi = *lo + (int64_t)size;
		return;
	}
	*lo = base + p->smin;
	*hi = base + p->smax + (int64_t)size;
}

static int bad_base(struct walker *w, int regno, const struct vreg *p, enum acc a)
{
	char buf[160];
	switch (p->type) {
	case V_SCALAR:
		vreg_str(p, buf, sizeof(buf));
		return vfail(w, EACCES, "r%d is a number (%s), not a pointer: it cannot be used to %s "
			     "memory", regno, buf, acc_verb(a));
	case V_MAP_VALUE_OR_NULL:
	case V_RINGBUF_REC_OR_NULL:
		return vfail(w, EACCES,
			     "r%d may be NULL: %s at insn %d returns NULL when it fails; test r%d "
			     "against 0 before using it", regno,
			     p->type == V_MAP_VALUE_OR_NULL ? "map_lookup_elem" : "ringbuf_reserve",
			     p->origin, regno);
	case V_MAP_PTR:
		return vfail(w, EACCES, "r%d points to the map '%s' itself, not to a value; look a "
			     "value up with map_lookup_elem", regno, moat_map_name(p->map));
	case V_PKT_END:
		return vfail(w, EACCES, "r%d is pkt_end, which points just past the packet: it "
			     "cannot be dereferenced", regno);
	case V_PKT_META:
		return vfail(w, EACCES, "r%d: access to packet metadata is not supported", regno);
	default:
		return vfail(w, EACCES, "r%d (%s) cannot be used to %s memory", regno,
			     vtype_name(p->type), acc_verb(a));
	}
}

/* MOAT_PROG_MEM buffer, map value, ring-buffer record: size bytes long. */
static int region_check(struct walker *w, int regno, const struct vreg *p, int64_t off,
			uint64_t size)
{
	int64_t lo, hi;
	access_range(p, off, size, &lo, &hi);
	if (lo >= 0 && hi <= (int64_t)p->size)
		return 0;
	const char *what = p->type == V_MEM ? "input buffer" : p->type == V_MAP_VALUE ? "map value"
			 : "ring-buffer record";
	if (!var_const(p))
		return vfail(w, EACCES,
			     "r%d: %" PRIu64 "-byte access at offset %" PRId64 " to %" PRId64
			     " (the offset is variable) may leave the %u-byte %s; bound the "
			     "offset with a comparison first", regno, size, lo, hi - (int64_t)size,
			     p->size, what);
	return vfail(w, EACCES,
		     "r%d: %" PRIu64 "-byte access at offset %" PRId64 " is outside the %u-byte %s",
		     regno, size, lo, p->size, what);
}

static int pkt_check(struct walker *w, int regno, const struct vreg *p, int64_t off,
		     uint64_t size, enum acc a)
{
	enum moat_prog_type t = w->env->type;
	if (a == ACC_ATOMIC)
		return vfail(w, EACCES, "atomic operations on packet data are not allowed");
	if (a == ACC_WRITE && t != MOAT_PROG_XDP && t != MOAT_PROG_SCHED_CLS)
		return vfail(w, EACCES, "packet data is read-only in %s programs",
			     moat_prog_type_name(t));
	if (p->smin < 0)
		return vfail(w, EACCES, "r%d: the packet offset may be negative", regno);
	int64_t lo = (int64_t)p->off + off;
	if (lo < 0)
		return vfail(w, EACCES, "r%d: access at offset %" PRId64 " is before the packet start",
			     regno, lo);
	if (w->env->kernel_rules && lo + (int64_t)size > 0xffff)
		return vfail(w, EACCES, "r%d: packet offset %" PRId64 " is beyond the kernel's "
			     "64 KiB limit", regno, lo);
	if (lo + (int64_t)size <= (int64_t)p->range)
		return 0;
	if (p->range == 0)
		return vfail(w, EACCES,
			     "r%d: packet access without a bounds check: compare a pointer to the "
			     "end of the access (r%d + %" PRId64 ") with pkt_end first, e.g. "
			     "if r + %" PRId64 " > data_end goto drop", regno, regno,
			     lo + (int64_t)size, lo + (int64_t)size);
	return vfail(w, EACCES,
		     "r%d: %" PRIu64 "-byte packet access at offset %" PRId64 " goes beyond the %u "
		     "bytes the last bounds check proved", regno, size, lo, p->range);
}

/* ---------------------------------------------------------------- stack */

static struct vframe *stack_of(struct walker *w, const struct vreg *p)
{
	return w->cur->frames[p->frame];
}

static int stack_bounds(struct walker *w, int regno, const struct vreg *p, int64_t off,
			uint64_t size, int64_t *lo, int64_t *hi)
{
	access_range(p, off, size, lo, hi);
	if (*lo < -MOAT_STACK_SIZE || *hi > 0) {
		if (!var_const(p))
			return vfail(w, EACCES, "r%d: stack access at fp%+" PRId64 " to fp%+" PRId64
				     " (variable offset) may leave the %d-byte stack", regno, *lo,
				     *hi, MOAT_STACK_SIZE);
		return vfail(w, EACCES, "r%d: stack access at fp%+" PRId64 " (%" PRIu64
			     " bytes) is outside the %d-byte stack", regno, *lo, size,
			     MOAT_STACK_SIZE);
	}
	return 0;
}

static int grow(struct walker *w, struct vframe *f, int64_t lo)
{
	if (!vframe_grow(f, (uint32_t)-lo))
		return vfail(w, ENOMEM, "out of memory");
	uint32_t total = 0;
	for (int k = 0; k < w->cur->nframes; k++)
		total += w->cur->frames[k]->depth;
	if (total > w->env->stats.stack_depth)
		w->env->stats.stack_depth = total;
	if (w->env->kernel_rules && total > MOAT_STACK_SIZE)
		return vfail(w, EACCES, "the call chain uses %u bytes of stack; the kernel allows "
			     "%d for all frames together", total, MOAT_STACK_SIZE);
	return 0;
}

/* byte index of the stack byte at fp + o (o < 0) */
static inline int sbyte(int64_t o)
{
	return (int)(-o - 1);
}

/* A write touching a spilled register's slot turns the rest of it into plain bytes. */
static void break_spill(struct vframe *f, int b)
{
	int s = b / 8;
	for (int k = 0; k < 8; k++)
		if (f->bytes[s * 8 + k] == SB_SPILL)
			f->bytes[s * 8 + k] = SB_MISC;
}

/* The write of `size` bytes at fp+o: val (may be NULL: unknown bytes). */
static int stack_write(struct walker *w, struct vframe *f, int64_t o, unsigned size,
		       const struct vreg *val)
{
	int r = grow(w, f, o);
	if (r)
		return r;
	if (val && (size == 8 || (size == 4 && val->type == V_SCALAR)) && o % size == 0) {
		/* a spill: the whole register, or a 4-byte number (its value
		 * already cut to 32 bits); one spilled register per slot */
		int b = sbyte(o + size - 1);
		break_spill(f, b);
		f->spill[b / 8] = *val;
		memset(f->bytes + b, SB_SPILL, size);
		return 0;
	}
	if (val && val->type != V_SCALAR)
		return vfail(w, EACCES, "storing %u bytes of a %s pointer on the stack: pointers are "
			     "spilled whole, with 8-byte aligned stores", size,
			     vtype_name(val->type));
	bool zero = val && vreg_is_const(val) && val->var.value == 0;
	for (unsigned k = 0; k < size; k++) {
		int b = sbyte(o + k);
		if (f->bytes[b] == SB_SPILL)
			break_spill(f, b);
		f->bytes[b] = zero ? SB_ZERO : SB_MISC;
	}
	return 0;
}

/* Every byte of [lo, hi) initialised and no spilled pointer partly inside. */
static int stack_readable(struct walker *w, int regno, struct vframe *f, int64_t lo, int64_t hi,
			  bool allow_whole_spill, bool *all_zero)
{
	*all_zero = true;
	for (int64_t o = lo; o < hi; o++) {
		int b = sbyte(o);
		uint8_t k = b < f->depth ? f->bytes[b] : SB_INVALID;
		if (k == SB_INVALID)
			return vfail(w, EACCES,
				     "r%d: reads uninitialised stack at fp%+" PRId64 " (the %" PRId64
				     " bytes at fp%+" PRId64 " must be written first)", regno, o,
				     hi - lo, lo);
		if (k == SB_SPILL && f->spill[b / 8].type != V_SCALAR && !allow_whole_spill)
			return vfail(w, EACCES, "r%d: reads part of a pointer spilled at fp%d", regno,
				     -(b / 8) * 8 - 8);
		*all_zero &= k == SB_ZERO;
	}
	return 0;
}

/* The register spilled exactly in the size bytes at fp+o, or NULL. */
static const struct vreg *spill_at(const struct vframe *f, int64_t o, unsigned size)
{
	if ((size != 8 && size != 4) || o % size || sbyte(o) >= f->depth)
		return NULL;
	int b = sbyte(o + (int64_t)size - 1), n = 0;
	for (int k = 0; k < 8; k++)
		n += f->bytes[b / 8 * 8 + k] == SB_SPILL;
	if (n != (int)size)
		return NULL;
	for (unsigned k = 0; k < size; k++)
		if (f->bytes[b + (int)k] != SB_SPILL)
			return NULL;
	return &f->spill[b / 8];
}

static int stack_read(struct walker *w, int regno, struct vframe *f, int64_t o, unsigned size,
		      bool sign, struct vreg *out)
{
	bool zero;
	const struct vreg *sp = spill_at(f, o, size);
	int r = stack_readable(w, regno, f, o, o + size, sp != NULL, &zero);
	if (r)
		return r;
	if (sp && (!sign || (sp->type == V_SCALAR && sp->umax < (1ull << (size * 8 - 1))))) {
		*out = *sp;
		return 0;
	}
	int b = sbyte(o + (int64_t)size - 1);
	if (f->bytes[b] == SB_SPILL && f->spill[b / 8].type != V_SCALAR)
		return vfail(w, EACCES, "r%d: reads part of a pointer spilled at fp%" PRId64,
			     regno, o);
	if (zero)
		vreg_mark_const(out, 0);
	else
		vreg_mark_loaded(out, size, sign);
	return 0;
}

/* Variable-offset stack writes may hit any byte of [lo, hi): initialised
 * bytes become unknown, spills are broken. */
static int stack_write_var(struct walker *w, struct vframe *f, int64_t lo, int64_t hi)
{
	int r = grow(w, f, lo);
	if (r)
		return r;
	for (int64_t o = lo; o < hi; o++) {
		int b = sbyte(o);
		if (f->bytes[b] == SB_SPILL)
			break_spill(f, b);
		if (f->bytes[b] == SB_ZERO)
			f->bytes[b] = SB_MISC;
	}
	return 0;
}

/* ------------------------------------------------------- one instruction */

static const unsigned size_bytes[4] = { 4, 2, 1, 8 };

static int ctx_access(struct walker *w, int regno, const struct vreg *p, int64_t off,
		      unsigned size, enum acc a, bool sign, const struct vreg *val, struct vreg *out)
{
	if (!var_const(p) || p->var.value || p->off)
		return vfail(w, EACCES, "r%d: the context pointer was moved (by %lld); read context "
			     "fields as [r1 + OFFSET] through the unmodified pointer", regno,
			     (long long)p->off + (long long)p->var.value);
	if (a == ACC_ATOMIC)
		return vfail(w, EACCES, "atomic operations on the context are not allowed");
	if (val && val->type != V_SCALAR)
		return vfail(w, EACCES, "storing a pointer into the context is not allowed");
	struct vctx_field fld;
	char why[200];
	w->env->stats.ctx_accesses++;
	if (!vctx_access(w->env, (int64_t)p->off + off, size, a == ACC_WRITE, &fld, why, sizeof(why)))
		return vfail(w, EACCES, "r%d: %s", regno, why);
	if (fld.type != V_SCALAR)
		w->env->ctx_use[w->i] |= MOAT_CTXU_PTR;
	if (a == ACC_READ) {
		if (fld.type == V_SCALAR) {
			vreg_mark_loaded(out, size, sign);
		} else {
			vreg_mark_not_init(out);
			out->type = (uint8_t)fld.type;
			out->var = tnum_const(0);
			out->origin = w->i;
		}
	}
	return 0;
}

/*
 * The access of `size` bytes at base register regno + off.  a == ACC_READ
 * fills *out; ACC_WRITE stores val (NULL: unknown scalar bytes).
 */
static int access(struct walker *w, int regno, int64_t off, unsigned size, enum acc a, bool sign,
		  const struct vreg *val, struct vreg *out)
{
	int r = vread_reg(w, regno);
	if (r)
		return r;
	const struct vreg p = vcur_frame(w)->regs[regno];
	int64_t lo, hi;
	w->env->ctx_use[w->i] |= p.type == V_CTX ? MOAT_CTXU_CTX : MOAT_CTXU_OTHER;
	switch (p.type) {
	case V_STACK: {
		if ((r = stack_bounds(w, regno, &p, off, size, &lo, &hi)))
			return r;
		struct vframe *f = stack_of(w, &p);
		if ((a == ACC_ATOMIC || w->env->kernel_rules) && var_const(&p) && lo % size)
			return vfail(w, EACCES, "misaligned %u-byte %s access at fp%+" PRId64 "%s",
				     size, a == ACC_ATOMIC ? "atomic" : "stack", lo,
				     a == ACC_ATOMIC ? "" : " (the kernel requires aligned stack "
				     "accesses)");
		if (!var_const(&p)) {
			if (a == ACC_READ) {
				bool zero;
				if ((r = stack_readable(w, regno, f, lo, hi, false, &zero)))
					return r;
				vreg_mark_loaded(out, size, sign);
				return 0;
			}
			if (val && val->type != V_SCALAR)
				return vfail(w, EACCES, "storing a pointer at a variable stack offset "
					     "is not allowed");
			return stack_write_var(w, f, lo, hi);
		}
		if (a == ACC_READ)
			return stack_read(w, regno, f, lo, size, sign, out);
		if (a == ACC_ATOMIC) {
			bool zero;
			if ((r = stack_readable(w, regno, f, lo, hi, false, &zero)))
				return r;
			return stack_write(w, f, lo, size, NULL);
		}
		return stack_write(w, f, lo, size, val);
	}
	case V_CTX:
		return ctx_access(w, regno, &p, off, size, a, sign, val, out);
	case V_MEM:
	case V_MAP_VALUE:
	case V_RINGBUF_REC:
		if ((r = region_check(w, regno, &p, off, size)))
			return r;
		if (a == ACC_ATOMIC) {
			access_range(&p, off, size, &lo, &hi);
			if ((var_const(&p) && lo % size) ||
			    (!var_const(&p) && ((p.var.mask | (uint64_t)(lo - p.smin)) & (size - 1))))
				return vfail(w, EACCES, "r%d: %u-byte atomic access may be misaligned",
					     regno, size);
		}
		if (a == ACC_READ)
			vreg_mark_loaded(out, size, sign);
		return 0;
	case V_PKT:
		if ((r = pkt_check(w, regno, &p, off, size, a)))
			return r;
		if (a == ACC_READ)
			vreg_mark_loaded(out, size, sign);
		return 0;
	default:
		return bad_base(w, regno, &p, a);
	}
}

int vcheck_mem_insn(struct walker *w, const struct moat_insn *in)
{
	struct vframe *f = vcur_frame(w);
	unsigned size = size_bytes[MOAT_SIZE(in->code) >> 3];
	unsigned cls = MOAT_CLASS(in->code), mode = MOAT_MODE(in->code);
	int r;
	if (cls == MOAT_LDX) {
		struct vreg v;
		if ((r = access(w, in->src, in->off, size, ACC_READ, mode == MOAT_MEMSX, NULL, &v)))
			return r;
		v.origin = v.type == V_SCALAR ? -1 : w->i;
		f->regs[in->dst] = v;
		return 0;
	}
	if (cls == MOAT_ST) {
		struct vreg v;
		vreg_mark_const(&v, size == 8 ? (uint64_t)(int64_t)in->imm
				    : (uint64_t)(uint32_t)in->imm & (size == 4 ? 0xffffffffu
								     : size == 2 ? 0xffffu : 0xffu));
		return access(w, in->dst, in->off, size, ACC_WRITE, false, &v, NULL);
	}
	if ((r = vread_reg(w, in->src)))
		return r;
	if (mode == MOAT_MEM) {
		struct vreg v = f->regs[in->src];
		if (size < 8 && v.type == V_SCALAR) { /* only the low bytes are stored */
			struct vreg z;
			vreg_mark_const(&z, size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu);
			vscalar_alu(&v, &z, MOAT_AND, 0, true);
		}
		return access(w, in->dst, in->off, size, ACC_WRITE, false, &v, NULL);
	}
	/* atomics */
	if (f->regs[in->src].type != V_SCALAR)
		return vfail(w, EACCES, "atomic operation with a pointer operand (r%d) is not allowed",
			     in->src);
	if (in->imm == MOAT_CMPXCHG) {
		if ((r = vread_reg(w, 0)))
			return r;
		if (f->regs[0].type != V_SCALAR)
			return vfail(w, EACCES, "cmpxchg compares with r0, which holds a pointer");
	}
	if ((r = access(w, in->dst, in->off, size, ACC_ATOMIC, false, NULL, NULL)))
		return r;
	if (in->imm == MOAT_CMPXCHG)
		vreg_mark_loaded(&f->regs[0], size, false);
	else if (in->imm & MOAT_FETCH)
		vreg_mark_loaded(&f->regs[in->src], size, false);
	return 0;
}

bool vstack_const(struct walker *w, const struct vreg *p, unsigned size, uint64_t *v)
{
	if (p->type != V_STACK || !var_const(p))
		return false;
	struct vframe *f = stack_of(w, p);
	int64_t o = (int64_t)p->off + (int64_t)p->var.value;
	if (o < -MOAT_STACK_SIZE || o + size > 0)
		return false;
	const struct vreg *sp = spill_at(f, o, size);
	if (sp) {
		if (!vreg_is_const(sp))
			return false;
		*v = size == 8 ? sp->var.value : (uint32_t)sp->var.value;
		return true;
	}
	for (int64_t k = o; k < o + (int64_t)size; k++)
		if (sbyte(k) >= f->depth || f->bytes[sbyte(k)] != SB_ZERO)
			return false;
	*v = 0;
	return true;
}

/* -------------------------------------------------------- helper memory */

int vcheck_helper_mem(struct walker *w, int regno, uint64_t size, bool write)
{
	int r = vread_reg(w, regno);
	if (r)
		return r;
	const struct vreg p = vcur_frame(w)->regs[regno];
	if (size == 0 && (p.type != V_SCALAR || (vreg_is_const(&p) && p.var.value == 0)))
		return 0;
	int64_t lo, hi;
	switch (p.type) {
	case V_STACK: {
		if ((r = stack_bounds(w, regno, &p, 0, size, &lo, &hi)))
			return r;
		struct vframe *f = stack_of(w, &p);
		if (write) { /* the helper fills the bytes */
			if (!var_const(&p))
				return vfail(w, EACCES, "r%d: memory a helper fills must be at a "
					     "constant stack offset", regno);
			if ((r = grow(w, f, lo)))
				return r;
			for (int64_t o = lo; o < hi; o++) {
				int b = sbyte(o);
				if (f->bytes[b] == SB_SPILL)
					break_spill(f, b);
				f->bytes[b] = SB_MISC;
			}
			return 0;
		}
		bool zero;
		return stack_readable(w, regno, f, lo, hi, false, &zero);
	}
	case V_MEM:
	case V_MAP_VALUE:
	case V_RINGBUF_REC:
		return region_check(w, regno, &p, 0, size);
	case V_PKT:
		return pkt_check(w, regno, &p, 0, size, write ? ACC_WRITE : ACC_READ);
	default:
		return bad_base(w, regno, &p, write ? ACC_WRITE : ACC_READ);
	}
}
