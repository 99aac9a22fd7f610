/*
 * Calls and returns: helper calls checked against their prototypes
 * (argument types, memory sizes, references acquired and released), local
 * calls with their frames, and what exit requires of r0, the stack and the
 * references still held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/map.h>

#include "engine/isa.h"
#include "engine/verifier/walk.h"

struct released {
	uint32_t ref;
	int insn;
};

static void mark_released(struct vreg *r, void *arg)
{
	const struct released *rel = arg;
	if (r->ref != rel->ref)
		return;
	vreg_mark_not_init(r);
	r->lost = VLOST_RELEASED;
	r->origin = rel->insn;
}

void vrelease_ref(struct vstate *s, uint32_t ref, bool invalidate, int insn)
{
	for (int k = 0; k < s->nrefs; k++) {
		if (s->refs[k].id != ref)
			continue;
		memmove(&s->refs[k], &s->refs[k + 1], (size_t)(s->nrefs - k - 1) * sizeof(s->refs[0]));
		s->nrefs--;
		break;
	}
	if (invalidate) {
		struct released rel = { .ref = ref, .insn = insn };
		vstate_for_each_reg(s, mark_released, &rel);
	}
}

/* The map kinds a kernel helper accepts in its map argument. */
static const char *map_arg_problem(uint32_t helper, const struct moat_map *m)
{
	enum moat_map_type t = moat_map_type(m);
	bool rb = t == MOAT_MAP_RINGBUF, pa = t == MOAT_MAP_PROG_ARRAY;
	switch (helper) {
	case MOAT_FN_map_lookup_elem:
	case MOAT_FN_map_update_elem:
	case MOAT_FN_map_delete_elem:
		return rb || pa ? "a ring buffer or program array has no elements to look up"
				: NULL;
	case MOAT_FN_tail_call:
		return pa ? NULL : "tail_call needs a program array";
	case MOAT_FN_ringbuf_output:
	case MOAT_FN_ringbuf_reserve:
	case MOAT_FN_ringbuf_query:
		return rb ? NULL : "ring-buffer helpers need a ring-buffer map";
	default:
		return NULL;
	}
}

static int check_args(struct walker *w, uint32_t id, const struct moat_helper_proto *p,
		      const struct moat_map **map_out, uint64_t *alloc_size, uint32_t *release)
{
	struct vframe *f = vcur_frame(w);
	const struct moat_map *map = NULL;
	int r;
	for (int a = 0; a < 5; a++) {
		enum moat_arg_type t = p->args[a];
		int regno = a + 1;
		const struct vreg *v = &f->regs[regno];
		if (t == MOAT_ARG_NONE)
			continue;
		if ((r = vread_reg(w, regno)))
			return vfail(w, EACCES, "argument %d of %s (r%d) is not set on this path", a + 1,
				     p->name, regno);
		switch (t) {
		case MOAT_ARG_NONE:
		case MOAT_ARG_ANYTHING:
			break;
		case MOAT_ARG_CONST_MAP_PTR: {
			if (v->type != V_MAP_PTR)
				return vfail(w, EACCES, "argument %d of %s must be a map (lddw map), "
					     "but r%d is %s", a + 1, p->name, regno, vtype_name(v->type));
			map = v->map;
			const char *why = map_arg_problem(id, map);
			if (why)
				return vfail(w, EACCES, "%s: map '%s' cannot be used here: %s", p->name,
					     moat_map_name(map), why);
			break;
		}
		case MOAT_ARG_PTR_TO_MAP_KEY:
		case MOAT_ARG_PTR_TO_MAP_VALUE:
			if (!map)
				return vfail(w, EINVAL, "%s: prototype names a key before the map", p->name);
			if ((r = vcheck_helper_mem(w, regno, t == MOAT_ARG_PTR_TO_MAP_KEY
						   ? moat_map_key_size(map) : moat_map_value_size(map),
						   false)))
				return r;
			break;
		case MOAT_ARG_PTR_TO_MEM:
		case MOAT_ARG_PTR_TO_UNINIT_MEM: {
			if (a == 4 || (p->args[a + 1] != MOAT_ARG_CONST_SIZE &&
				       p->args[a + 1] != MOAT_ARG_CONST_SIZE_OR_ZERO))
				return vfail(w, EINVAL, "%s: prototype has a memory argument without a size",
					     p->name);
			if ((r = vread_reg(w, regno + 1)))
				return r;
			const struct vreg *sz = &f->regs[regno + 1];
			if (sz->type != V_SCALAR)
				return vfail(w, EACCES, "argument %d of %s is a size, but r%d holds a "
					     "pointer", a + 2, p->name, regno + 1);
			if (sz->umax > (1u << 29))
				return vfail(w, EACCES, "argument %d of %s (the size in r%d) is not "
					     "bounded; check it against a limit first", a + 2, p->name,
					     regno + 1);
			if (sz->umin == 0 && p->args[a + 1] == MOAT_ARG_CONST_SIZE)
				return vfail(w, EACCES, "argument %d of %s (the size in r%d) may be "
					     "zero; it must be at least 1", a + 2, p->name, regno + 1);
			if ((r = vcheck_helper_mem(w, regno, sz->umax, t == MOAT_ARG_PTR_TO_UNINIT_MEM)))
				return r;
			break;
		}
		case MOAT_ARG_CONST_SIZE:
		case MOAT_ARG_CONST_SIZE_OR_ZERO:
			break; /* checked with its pointer */
		case MOAT_ARG_PTR_TO_CTX:
			/* mem programs: the buffer is their context */
			if ((v->type != V_CTX && !(v->type == V_MEM && w->env->type == MOAT_PROG_MEM)) || v->off || !tnum_is_const(v->var) || v->var.value)
				return vfail(w, EACCES, "argument %d of %s must be the context pointer "
					     "(r1 on entry), but r%d is %s", a + 1, p->name, regno,
					     vtype_name(v->type));
			break;
		case MOAT_ARG_PTR_TO_RINGBUF_REC:
			if (v->type == V_RINGBUF_REC_OR_NULL)
				return vfail(w, EACCES, "argument %d of %s (r%d) may be NULL: test the "
					     "record from ringbuf_reserve at insn %d against 0 first",
					     a + 1, p->name, regno, v->origin);
			if (v->type != V_RINGBUF_REC || v->off || !tnum_is_const(v->var) ||
			    v->var.value)
				return vfail(w, EACCES, "argument %d of %s must be a record returned by "
					     "ringbuf_reserve, unmodified; r%d is %s", a + 1, p->name,
					     regno, vtype_name(v->type));
			*release = v->ref;
			break;
		case MOAT_ARG_CONST_ALLOC_SIZE:
			if (!vreg_is_const(v) || v->var.value == 0 || v->var.value > (1u << 28))
				return vfail(w, EACCES, "argument %d of %s must be a known constant size "
					     "above 0, but r%d is not", a + 1, p->name, regno);
			*alloc_size = v->var.value;
			break;
		}
	}
	*map_out = map;
	return 0;
}

static int check_helper(struct walker *w, const struct moat_insn *in, uint32_t id)
{
	const struct moat_helper_proto *p = moat_vm_helper_proto(w->env->vm, id);
	if (!p)
		return vfail(w, EINVAL, "helper %u is not registered", id);
	if (p->prog_types && !(p->prog_types & (1u << w->env->type)))
		return vfail(w, EACCES, "helper %s is not allowed in %s programs", p->name,
			     moat_prog_type_name(w->env->type));
	const struct moat_map *map = NULL;
	uint64_t alloc = 0;
	uint32_t release = 0;
	int r = check_args(w, id, p, &map, &alloc, &release);
	if (r)
		return r;
	/* an array lookup with a constant index inside the array cannot fail */
	uint64_t key;
	enum moat_map_type mt = map ? moat_map_type(map) : MOAT_MAP_HASH;
	bool const_index = id == MOAT_FN_map_lookup_elem && p->ret == MOAT_RET_MAP_VALUE_OR_NULL &&
			   (mt == MOAT_MAP_ARRAY || mt == MOAT_MAP_PERCPU_ARRAY) &&
			   vstack_const(w, &vcur_frame(w)->regs[2], 4, &key) &&
			   key < moat_map_max_entries(map);
	if (release)
		vrelease_ref(w->cur, release, true, w->i);
	struct vframe *f = vcur_frame(w);
	for (int k = 1; k <= 5; k++) {
		vreg_mark_not_init(&f->regs[k]);
		f->regs[k].lost = VLOST_CALL;
		f->regs[k].origin = w->i;
	}
	struct vreg *r0 = &f->regs[0];
	switch (p->ret) {
	case MOAT_RET_INTEGER:
		vreg_mark_unknown(r0);
		break;
	case MOAT_RET_VOID:
		vreg_mark_not_init(r0);
		break;
	case MOAT_RET_MAP_VALUE_OR_NULL:
		if (!map)
			return vfail(w, EINVAL, "%s returns a map value but takes no map", p->name);
		vreg_mark_not_init(r0);
		r0->type = const_index ? V_MAP_VALUE : V_MAP_VALUE_OR_NULL;
		r0->map = map;
		r0->size = moat_map_value_size(map);
		r0->var = tnum_const(0);
		r0->id = vnew_id(w);
		r0->origin = w->i;
		break;
	case MOAT_RET_RINGBUF_REC_OR_NULL:
		if (w->cur->nrefs == VMAX_REFS)
			return vfail(w, EACCES, "more than %d ring-buffer records held at once",
				     VMAX_REFS);
		vreg_mark_not_init(r0);
		r0->type = V_RINGBUF_REC_OR_NULL;
		r0->size = (uint32_t)alloc;
		r0->var = tnum_const(0);
		r0->id = vnew_id(w);
		r0->ref = r0->id;
		r0->origin = w->i;
		w->cur->refs[w->cur->nrefs].id = r0->ref;
		w->cur->refs[w->cur->nrefs++].insn = w->i;
		break;
	}
	(void)in;
	return 0;
}

static int check_local_call(struct walker *w, const struct moat_insn *in)
{
	struct vstate *s = w->cur;
	int target = w->i + 1 + in->imm;
	if (s->nframes == MOAT_MAX_FRAMES)
		return vfail(w, EACCES, "call to the function at insn %d goes deeper than %d frames",
			     target, MOAT_MAX_FRAMES);
	for (int k = 0; w->env->kernel_rules && k < s->nframes; k++)
		if (s->frames[k]->func_start == (uint32_t)target)
			return vfail(w, EACCES, "recursive call to the function at insn %d (the kernel "
				     "refuses recursion)", target);
	struct vframe *caller = s->frames[s->nframes - 1];
	struct vframe *f = vframe_new((uint32_t)w->i, (uint32_t)target);
	if (!f)
		return vfail(w, ENOMEM, "out of memory");
	for (int k = 1; k <= 5; k++)
		f->regs[k] = caller->regs[k];
	f->regs[MOAT_R10].type = V_STACK;
	f->regs[MOAT_R10].frame = s->nframes;
	f->regs[MOAT_R10].var = tnum_const(0);
	s->frames[s->nframes++] = f;
	if (w->env->stats.funcs < s->nframes)
		w->env->stats.funcs = s->nframes;
	w->next = target;
	return 0;
}

int vcheck_call(struct walker *w, const struct moat_insn *in)
{
	if (MOAT_SRC(in->code) == MOAT_X) { /* callx: the helper id in a register */
		int regno = in->dst ? in->dst : in->imm;
		int r = vread_reg(w, regno);
		if (r)
			return r;
		const struct vreg *v = &vcur_frame(w)->regs[regno];
		if (!vreg_is_const(v) || v->var.value > UINT32_MAX)
			return vfail(w, EACCES, "callx: r%d must hold a known helper id", regno);
		return check_helper(w, in, (uint32_t)v->var.value);
	}
	if (in->src == MOAT_CALL_LOCAL)
		return check_local_call(w, in);
	return check_helper(w, in, (uint32_t)in->imm);
}

/* Pointers into a returning frame's stack must not outlive it. */
static void drop_stack_ptr(struct vreg *r, void *arg)
{
	if (r->type == V_STACK && r->frame >= *(const int *)arg)
		vreg_mark_not_init(r);
}

/* The values each program type may return (the kernel's rules). */
static bool ret_range(enum moat_prog_type t, int64_t *lo, int64_t *hi)
{
	if (t != MOAT_PROG_CGROUP_SKB && t != MOAT_PROG_CGROUP_DEVICE)
		return false;
	*lo = 0, *hi = 1;
	return true;
}

int vcheck_exit(struct walker *w)
{
	struct vstate *s = w->cur;
	struct vframe *f = vcur_frame(w);
	const struct vreg *r0 = &f->regs[0];
	if (r0->type == V_NOT_INIT)
		return vfail(w, EACCES, "r0 is not set at exit on this path: set the return value "
			     "first");
	if (s->nframes > 1) {
		/* a function may return anything initialised but a stack
		 * pointer (clang leaves other pointers in r0 when the caller
		 * ignores the result) */
		if (r0->type == V_STACK)
			return vfail(w, EACCES, "r0 holds a stack pointer at the function's exit; a "
				     "function cannot return a pointer to the stack");
		struct vframe *caller = s->frames[s->nframes - 2];
		caller->regs[0] = *r0;
		for (int k = 1; k <= 5; k++) {
			vreg_mark_not_init(&caller->regs[k]);
			caller->regs[k].lost = VLOST_CALL;
			caller->regs[k].origin = (int32_t)f->callsite;
		}
		w->next = (int)f->callsite + 1;
		s->nframes--;
		s->frames[s->nframes] = NULL;
		free(f->bytes);
		free(f->spill);
		free(f);
		int gone = s->nframes;
		vstate_for_each_reg(s, drop_stack_ptr, &gone);
		return 0;
	}
	if (r0->type != V_SCALAR)
		return vfail(w, EACCES, "r0 holds a %s pointer at exit; the program must return a "
			     "number", vtype_name(r0->type));
	if (s->nrefs)
		return vfail(w, EACCES, "the ring-buffer record reserved at insn %d is neither "
			     "submitted nor discarded on this path; call ringbuf_submit or "
			     "ringbuf_discard on it before exit", s->refs[0].insn);
	int64_t lo, hi;
	if (ret_range(w->env->type, &lo, &hi) && (r0->smin < lo || r0->smax > hi)) {
		char buf[160];
		vreg_str(r0, buf, sizeof(buf));
		return vfail(w, EACCES, "%s programs must return a value in [%" PRId64 ", %" PRId64
			     "], but r0 is %s here", moat_prog_type_name(w->env->type), lo, hi, buf);
	}
	return 1;
}
