/*
 * Verifier states: frames of registers and stack, held references, and the
 * comparison that lets the analysis prune a path whose state a fully
 * explored earlier state covers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/map.h>

#include "engine/verifier/verifier_internal.h"

struct vframe *vframe_new(uint32_t callsite, uint32_t func_start)
{
	struct vframe *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	for (int r = 0; r < MOAT_NREGS; r++)
		vreg_mark_not_init(&f->regs[r]);
	f->callsite = callsite;
	f->func_start = func_start;
	return f;
}

bool vframe_grow(struct vframe *f, uint32_t depth)
{
	depth = (depth + 7) & ~7u;
	if (depth <= f->depth)
		return true;
	uint8_t *b = realloc(f->bytes, depth);
	if (!b)
		return false;
	f->bytes = b;
	struct vreg *s = realloc(f->spill, depth / 8 * sizeof(*s));
	if (!s)
		return false;
	f->spill = s;
	memset(b + f->depth, SB_INVALID, depth - f->depth);
	memset(s + f->depth / 8, 0, (depth - f->depth) / 8 * sizeof(*s));
	f->depth = (uint16_t)depth;
	return true;
}

static void vframe_free(struct vframe *f)
{
	if (!f)
		return;
	free(f->bytes);
	free(f->spill);
	free(f);
}

static struct vframe *vframe_copy(const struct vframe *f)
{
	struct vframe *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *f;
	c->bytes = NULL;
	c->spill = NULL;
	c->depth = 0;
	if (!vframe_grow(c, f->depth)) {
		vframe_free(c);
		return NULL;
	}
	if (f->depth) {
		memcpy(c->bytes, f->bytes, f->depth);
		memcpy(c->spill, f->spill, f->depth / 8 * sizeof(*c->spill));
	}
	return c;
}

struct vstate *vstate_new(void)
{
	struct vstate *s = calloc(1, sizeof(*s));
	if (s)
		s->insn = -1;
	return s;
}

struct vstate *vstate_copy(const struct vstate *s)
{
	struct vstate *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *s;
	for (int i = 0; i < s->nframes; i++)
		c->frames[i] = NULL;
	for (int i = 0; i < s->nframes; i++) {
		if (!(c->frames[i] = vframe_copy(s->frames[i]))) {
			vstate_free(c);
			return NULL;
		}
	}
	return c;
}

void vstate_free(struct vstate *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nframes; i++)
		vframe_free(s->frames[i]);
	free(s);
}

void vstate_for_each_reg(struct vstate *s, void (*fn)(struct vreg *, void *), void *arg)
{
	for (int fi = 0; fi < s->nframes; fi++) {
		struct vframe *f = s->frames[fi];
		for (int r = 0; r < MOAT_NREGS; r++)
			fn(&f->regs[r], arg);
		for (uint16_t b = 0; b < f->depth; b += 8)
			if (vslot_spilled(f, b / 8))
				fn(&f->spill[b / 8], arg);
	}
}

/* ----------------------------------------------------------- comparison */

#define IDMAP 64

struct idmap {
	uint32_t old[IDMAP], cur[IDMAP];
	int n;
};

/* ids must correspond one to one between the two states */
static bool id_match(struct idmap *m, uint32_t o, uint32_t c)
{
	if (!o && !c)
		return true;
	for (int i = 0; i < m->n; i++) {
		if (m->old[i] == o)
			return m->cur[i] == c;
		if (m->cur[i] == c)
			return false;
	}
	if (m->n == IDMAP)
		return false;
	m->old[m->n] = o;
	m->cur[m->n++] = c;
	return true;
}

/* The value ranges of o contain those of c. */
static bool range_within(const struct vreg *o, const struct vreg *c)
{
	return o->umin <= c->umin && o->umax >= c->umax && o->smin <= c->smin &&
	       o->smax >= c->smax && tnum_in(o->var, c->var);
}

static bool vreg_covers(const struct vreg *o, const struct vreg *c, struct idmap *m, bool exact)
{
	if (exact)
		return memcmp(o, c, offsetof(struct vreg, origin)) == 0 ||
		       (o->type == V_NOT_INIT && c->type == V_NOT_INIT);
	if (o->type == V_NOT_INIT)
		return true; /* never read on the explored paths */
	if (o->type != c->type)
		return false;
	switch (o->type) {
	case V_SCALAR:
		return range_within(o, c);
	case V_PKT:
		/* cur must know at least as much of the packet */
		return o->off == c->off && o->range <= c->range && range_within(o, c) &&
		       id_match(m, o->id, c->id);
	case V_MAP_VALUE_OR_NULL:
	case V_RINGBUF_REC_OR_NULL:
	case V_RINGBUF_REC:
		if (!id_match(m, o->id, c->id) || !id_match(m, o->ref + 0x80000000u, c->ref + 0x80000000u))
			return false;
		/* fall through */
	default:
		return o->off == c->off && o->frame == c->frame && o->size == c->size &&
		       o->map == c->map && range_within(o, c);
	}
}

static bool frame_covers(const struct venv *env, const struct vframe *o, const struct vframe *c,
			 uint16_t live, uint16_t prec, struct idmap *m, bool exact)
{
	if (o->callsite != c->callsite)
		return false;
	for (int r = 0; r < MOAT_NREGS; r++) {
		if (!((live >> r) & 1))
			continue;
		/* a scalar whose value cannot reach a safety check: any other
		 * scalar behaves the same */
		if (!exact && !((prec >> r) & 1) && o->regs[r].type == V_SCALAR &&
		    c->regs[r].type == V_SCALAR)
			continue;
		if (!vreg_covers(&o->regs[r], &c->regs[r], m, exact))
			return false;
	}
	uint16_t depth = o->depth > c->depth ? o->depth : c->depth;
	for (uint16_t b = 0; b < depth; b++) {
		uint8_t ob = b < o->depth ? o->bytes[b] : SB_INVALID;
		uint8_t cb = b < c->depth ? c->bytes[b] : SB_INVALID;
		if (exact) {
			if (ob != cb)
				return false;
			goto spill;
		}
		if (ob == SB_INVALID)
			continue;
		if (ob == SB_MISC && cb != SB_INVALID &&
		    (cb != SB_SPILL || c->spill[b / 8].type == V_SCALAR))
			continue;
		if (ob != cb)
			return false;
spill:
		/* the spilled register, once per slot (at its first byte) */
		if (ob == SB_SPILL && (b % 8 == 0 || o->bytes[b - 1] != SB_SPILL) &&
		    !vreg_covers(&o->spill[b / 8], &c->spill[b / 8], m, exact))
			return false;
	}
	(void)env;
	return true;
}

bool vstate_covers(const struct venv *env, const struct vstate *old, const struct vstate *cur,
		   bool exact)
{
	if (old->nframes != cur->nframes || old->nrefs != cur->nrefs)
		return false;
	struct idmap m = { .n = 0 };
	for (int i = 0; i < old->nrefs; i++)
		if (!id_match(&m, old->refs[i].id + 0x80000000u, cur->refs[i].id + 0x80000000u))
			return false;
	for (int f = 0; f < old->nframes; f++) {
		/* the innermost frame: registers live at the instruction;
		 * callers: at their return point, and only r6-r9 (and r10)
		 * survive the call */
		bool inner = f == old->nframes - 1;
		uint32_t at = inner ? (uint32_t)old->insn : old->frames[f + 1]->callsite + 1;
		uint16_t live = env->live[at] & (inner ? 0x7ff : 0x7c0);
		uint16_t prec = env->prec[at];
		if (exact)
			live = 0x7ff;
		if (!frame_covers(env, old->frames[f], cur->frames[f], live, prec, &m, exact))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------- printing */

const char *vtype_name(enum vtype t)
{
	static const char *const names[V_TYPE_COUNT] = {
		[V_NOT_INIT] = "uninitialised", [V_SCALAR] = "scalar", [V_CTX] = "ctx",
		[V_STACK] = "stack", [V_MEM] = "mem", [V_MAP_PTR] = "map",
		[V_MAP_VALUE] = "map_value", [V_MAP_VALUE_OR_NULL] = "map_value_or_null",
		[V_PKT] = "pkt", [V_PKT_END] = "pkt_end", [V_PKT_META] = "pkt_meta",
		[V_RINGBUF_REC] = "ringbuf_record", [V_RINGBUF_REC_OR_NULL] = "ringbuf_record_or_null",
	};
	return t < V_TYPE_COUNT ? names[t] : "?";
}

static int scalar_str(const struct vreg *r, char *buf, size_t len)
{
	if (tnum_is_const(r->var))
		return snprintf(buf, len, "%" PRId64, (int64_t)r->var.value);
	int n = 0;
	if (r->umin != 0 || r->umax != UINT64_MAX)
		n += snprintf(buf + n, len - (size_t)n, " u[%" PRIu64 ", %" PRIu64 "]", r->umin,
			      r->umax);
	if ((r->smin != INT64_MIN || r->smax != INT64_MAX) &&
	    ((uint64_t)r->smin != r->umin || (uint64_t)r->smax != r->umax) && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " s[%" PRId64 ", %" PRId64 "]", r->smin,
			      r->smax);
	if (!tnum_is_unknown(r->var) && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " bits(0x%" PRIx64 "/0x%" PRIx64 ")",
			      r->var.value, r->var.mask);
	if (n == 0)
		return snprintf(buf, len, "unknown");
	memmove(buf, buf + 1, (size_t)n); /* drop the leading space */
	return n - 1;
}

int vreg_str(const struct vreg *r, char *buf, size_t len)
{
	if (r->type == V_SCALAR) {
		int n = snprintf(buf, len, "scalar ");
		return n + scalar_str(r, buf + n, len - (size_t)n);
	}
	int n = snprintf(buf, len, "%s", vtype_name(r->type));
	if (r->type == V_NOT_INIT || (size_t)n >= len)
		return n;
	if (r->type == V_STACK)
		n += snprintf(buf + n, len - (size_t)n, "(frame %d)", r->frame);
	if (r->map && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "('%s')", moat_map_name(r->map));
	if (r->size && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " size %u", r->size);
	if (r->off && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " off %+d", r->off);
	if (!tnum_is_const(r->var) || r->var.value) {
		if ((size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " + var ");
		if ((size_t)n < len)
			n += scalar_str(r, buf + n, len - (size_t)n);
	}
	if (r->type == V_PKT && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " range %u", r->range);
	return n;
}

static void log_line(const struct venv *env, const char *s)
{
	env->log.write(env->log.arg, s, strlen(s));
}

void vstate_log(const struct venv *env, const struct vstate *s, const char *prefix)
{
	if (!env->log.write)
		return;
	char line[512], reg[256];
	for (int fi = 0; fi < s->nframes; fi++) {
		const struct vframe *f = s->frames[fi];
		if (s->nframes > 1) {
			snprintf(line, sizeof(line), "%sframe %d (function at insn %u):\n", prefix, fi,
				 f->func_start);
			log_line(env, line);
		}
		for (int r = 0; r < MOAT_NREGS; r++) {
			if (f->regs[r].type == V_NOT_INIT)
				continue;
			vreg_str(&f->regs[r], reg, sizeof(reg));
			snprintf(line, sizeof(line), "%s  r%d: %s\n", prefix, r, reg);
			log_line(env, line);
		}
		for (uint16_t b = 0; b < f->depth; b += 8) {
			const uint8_t *k = f->bytes + b;
			if (vslot_spilled(f, b / 8) && f->spill[b / 8].type != V_NOT_INIT) {
				vreg_str(&f->spill[b / 8], reg, sizeof(reg));
			} else {
				static const char ch[] = { '.', 'm', '0', 's' };
				bool any = false;
				for (int i = 0; i < 8; i++) {
					reg[7 - i] = ch[k[i] & 3];
					any |= k[i] != SB_INVALID;
				}
				reg[8] = 0;
				if (!any)
					continue;
			}
			snprintf(line, sizeof(line), "%s  fp%d: %s\n", prefix, -(int)b - 8, reg);
			log_line(env, line);
		}
	}
	for (int i = 0; i < s->nrefs; i++) {
		snprintf(line, sizeof(line), "%s  holds ring-buffer record reserved at insn %d\n",
			 prefix, s->refs[i].insn);
		log_line(env, line);
	}
}
