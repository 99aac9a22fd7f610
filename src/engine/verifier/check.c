/*
 * The verifier's abstract interpreter.  Every path through the program is
 * followed with an abstract state (register types and scalar bounds, stack
 * contents, held references); every instruction is checked against the
 * state it can see.  Paths are cut when a state stored earlier at the same
 * instruction, fully explored, covers the current one (pruning); a state
 * identical to one still being explored means a loop that cannot end.
 * Memory-access rules live in memory.c; helper and local calls in call.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/asm.h>
#include <moat/map.h>

#include "engine/exec_internal.h"
#include "engine/isa.h"
#include "engine/verifier/walk.h"

#define DEFAULT_MAX_INSNS 1000000u

/* ------------------------------------------------------------ reporting */

/* The jumps taken on the path, oldest first; repeats folded ("2->1 x24"). */
static int path_str(const struct vstate *s, char *buf, size_t len)
{
	int n = 0;
	uint32_t first = s->nhist > VHIST ? s->nhist - VHIST : 0;
	if (first)
		n += snprintf(buf + n, len - (size_t)n, "...");
	for (uint32_t k = first; k < s->nhist && (size_t)n < len;) {
		uint32_t from = s->hist_from[k % VHIST], to = s->hist_to[k % VHIST], rep = 1;
		while (k + rep < s->nhist && s->hist_from[(k + rep) % VHIST] == from &&
		       s->hist_to[(k + rep) % VHIST] == to)
			rep++;
		n += snprintf(buf + n, len - (size_t)n, "%s%u->%u", n ? ", " : "", from, to);
		if (rep > 1 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " x%u", rep);
		k += rep;
	}
	return n;
}

void vlog(const struct walker *w, const char *fmt, ...)
{
	if (!w->env->log.write)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		w->env->log.write(w->env->log.arg, line,
				  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

int vfail(struct walker *w, int errnum, const char *fmt, ...)
{
	char msg[600], path[256] = "", where[160] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->cur && w->cur->nhist) {
		path_str(w->cur, path, sizeof(path));
		struct moat_verify_stats *st = &w->env->stats;
		uint32_t first = w->cur->nhist > VHIST ? w->cur->nhist - VHIST : 0;
		st->path_len = 0;
		for (uint32_t k = first; k < w->cur->nhist && st->path_len < 24; k++) {
			st->path[st->path_len][0] = w->cur->hist_from[k % VHIST];
			st->path[st->path_len++][1] = w->cur->hist_to[k % VHIST];
		}
	}
	const struct moat_line_info *li = moat_prog_line_info(w->env->prog, (size_t)w->i);
	if (li && li->line)
		snprintf(where, sizeof(where), " [%s:%u]", li->file ? li->file : "?", li->line);
	moat_error_insn(w->env->err, errnum, w->i, "%s%s%s%s%s", msg, where,
			path[0] ? " (jumps on this path: " : "", path, path[0] ? ")" : "");
	if (w->env->log_level > 0 && w->cur) {
		vlog(w, "rejected at insn %d: %s\nstate:\n", w->i, msg);
		vstate_log(w->env, w->cur, "");
		if (path[0])
			vlog(w, "path (jumps taken): %s\n", path);
	}
	return -errnum;
}

struct vframe *vcur_frame(struct walker *w)
{
	return w->cur->frames[w->cur->nframes - 1];
}

uint32_t vnew_id(struct walker *w)
{
	return ++w->env->next_id;
}

/* ------------------------------------------------------ paths and states */

static int push_branch(struct walker *w, struct vstate *st, int insn)
{
	if (w->npend == w->cappend) {
		size_t cap = w->cappend ? w->cappend * 2 : 64;
		struct pending *p = realloc(w->pend, cap * sizeof(*p));
		if (!p)
			return vfail(w, ENOMEM, "out of memory");
		w->pend = p;
		w->cappend = cap;
	}
	if (w->npend >= 100000)
		return vfail(w, E2BIG, "more than 100000 branches pending: the program is too "
				       "complex to verify");
	st->parent = w->cur->parent;
	if (st->parent)
		st->parent->branches++;
	w->pend[w->npend].st = st;
	w->pend[w->npend++].insn = insn;
	return 0;
}

/* A path ended (exit, pruned or dead branch): its checkpoints may now be complete. */
static void path_done(struct walker *w)
{
	for (struct vstate *st = w->cur->parent; st; st = st->parent)
		if (--st->branches)
			break;
	vstate_free(w->cur);
	w->cur = NULL;
}

static void note_jump(struct vstate *s, int from, int to)
{
	s->hist_from[s->nhist % VHIST] = (uint32_t)from;
	s->hist_to[s->nhist % VHIST] = (uint32_t)to;
	s->nhist++;
}

/* Checkpoints that keep failing to cover are retired from comparison (the
 * kernel's heuristic): they cost time on every visit and rarely pay. */
static bool retire(const struct vlist *l)
{
	return l->miss > l->hit * 3 + 3;
}

/* At a jump target: prune if a complete stored state covers cur; reject an
 * endless loop; else store cur as a checkpoint (at most every few
 * instructions).  Returns 1 when pruned. */
static int visit(struct walker *w)
{
	int i = w->i;
	for (struct vlist **pl = &w->stored[i], *l; (l = *pl);) {
		if (l->st->branches == 0) {
			if (vstate_covers(w->env, l->st, w->cur, false)) {
				l->hit++;
				w->env->stats.states_pruned++;
				if (w->env->log_level > 1)
					vlog(w, "insn %d: pruned (a state already verified covers this one)\n", i);
				return 1;
			}
		} else if (vstate_covers(w->env, l->st, w->cur, true)) {
			return vfail(w, EACCES,
				     "infinite loop: the program comes back to insn %d in the same "
				     "state, so it can run forever; make the loop condition depend "
				     "on a counter that changes", i);
		}
		l->miss++;
		if (retire(l)) {
			*pl = l->next;
			l->next = w->retired;
			w->retired = l;
			continue;
		}
		pl = &l->next;
	}
	uint64_t now = w->env->stats.insns_processed;
	if (w->stored[i] && now - w->last_store < 8)
		return 0;
	w->last_store = now;
	struct vstate *ck = vstate_copy(w->cur);
	struct vlist *node = calloc(1, sizeof(*node));
	if (!ck || !node) {
		vstate_free(ck);
		free(node);
		return vfail(w, ENOMEM, "out of memory");
	}
	ck->insn = i;
	ck->branches = 1;
	ck->parent = w->cur->parent;
	w->cur->parent = ck;
	node->st = ck;
	node->next = w->stored[i];
	w->stored[i] = node;
	w->env->stats.states_stored++;
	return 0;
}

static void free_list(struct vlist *l)
{
	for (struct vlist *next; l; l = next) {
		next = l->next;
		vstate_free(l->st);
		free(l);
	}
}

/* ---------------------------------------------------------------- ALU */

static bool is_ptr(const struct vreg *r)
{
	return r->type != V_SCALAR && r->type != V_NOT_INIT;
}

int vread_reg(struct walker *w, int r)
{
	const struct vreg *v = &vcur_frame(w)->regs[r];
	if (v->type != V_NOT_INIT)
		return 0;
	if (v->lost == VLOST_CALL)
		return vfail(w, EACCES, "r%d is read after the call at insn %d, which clobbers "
			     "r1-r5; keep values across calls in r6-r9 or on the stack", r,
			     v->origin);
	if (v->lost == VLOST_RELEASED)
		return vfail(w, EACCES, "r%d held a ring-buffer record that was released at insn "
			     "%d (submitted or discarded); it cannot be used after that", r,
			     v->origin);
	return vfail(w, EACCES, "r%d is read before it is written on this path", r);
}

static bool ptr_allows_math(enum vtype t)
{
	return t == V_CTX || t == V_STACK || t == V_MEM || t == V_MAP_VALUE || t == V_PKT ||
	       t == V_PKT_META || t == V_RINGBUF_REC;
}

#define MAX_VAR_OFF (1 << 29)

/* ptr = ptr +/- scalar (the pointer may be either operand of add). */
static int ptr_math(struct walker *w, struct vreg *dst, const struct vreg *ptr,
		    const struct vreg *sc, unsigned op, int dreg)
{
	if (!ptr_allows_math(ptr->type)) {
		if (ptr->type == V_MAP_VALUE_OR_NULL || ptr->type == V_RINGBUF_REC_OR_NULL)
			return vfail(w, EACCES,
				     "r%d may be NULL (%s at insn %d can return NULL); test it "
				     "against 0 before pointer arithmetic", dreg,
				     ptr->type == V_MAP_VALUE_OR_NULL ? "map_lookup_elem"
								       : "ringbuf_reserve",
				     ptr->origin);
		return vfail(w, EACCES, "arithmetic on a %s pointer (r%d) is not allowed",
			     vtype_name(ptr->type), dreg);
	}
	struct vreg res = *ptr;
	if (tnum_is_const(sc->var)) {
		int64_t k = (int64_t)sc->var.value, off;
		if (op == MOAT_SUB)
			k = (int64_t)(0 - (uint64_t)k);
		if (__builtin_add_overflow((int64_t)ptr->off, k, &off) || off < -MAX_VAR_OFF ||
		    off > MAX_VAR_OFF)
			return vfail(w, EACCES, "pointer offset %lld of r%d is out of range",
				     (long long)off, dreg);
		res.off = (int32_t)off;
	} else {
		if (ptr->type == V_CTX)
			return vfail(w, EACCES, "r%d: adding a variable to the context pointer is "
				     "not allowed (context fields need constant offsets)", dreg);
		if (op == MOAT_SUB)
			return vfail(w, EACCES, "r%d: subtracting an unknown value from a pointer "
				     "is not allowed; add a bounded value instead", dreg);
		if (sc->smin < -MAX_VAR_OFF || sc->smax > MAX_VAR_OFF)
			return vfail(w, EACCES,
				     "r%d: the value added to the %s pointer is not bounded "
				     "(range [%" PRId64 ", %" PRId64 "]); check it against a "
				     "limit first", dreg, vtype_name(ptr->type), sc->smin, sc->smax);
		struct vreg v = *ptr;
		v.type = V_SCALAR;
		vscalar_alu(&v, sc, MOAT_ADD, 0, true);
		res.var = v.var;
		res.smin = v.smin, res.smax = v.smax, res.umin = v.umin, res.umax = v.umax;
		if (res.type == V_PKT) {
			res.id = vnew_id(w);
			res.range = 0;
		}
	}
	*dst = res;
	return 0;
}

static int check_alu(struct walker *w, const struct moat_insn *in)
{
	struct vframe *f = vcur_frame(w);
	bool is64 = MOAT_CLASS(in->code) == MOAT_ALU64, x = MOAT_SRC(in->code) == MOAT_X;
	unsigned op = MOAT_OP(in->code);
	struct vreg *dst = &f->regs[in->dst];
	int r;
	if (op == MOAT_END || op == MOAT_NEG) {
		if ((r = vread_reg(w, in->dst)))
			return r;
		if (dst->type != V_SCALAR)
			return vfail(w, EACCES, "r%d holds a %s pointer; %s of a pointer is not allowed",
				     in->dst, vtype_name(dst->type), op == MOAT_NEG ? "negation" : "byte swap");
		if (op == MOAT_NEG) {
			struct vreg z;
			vreg_mark_const(&z, 0);
			vscalar_alu(dst, &z, MOAT_NEG, 0, is64);
		} else {
			vscalar_bswap(dst, (unsigned)in->imm, is64 || x);
		}
		return 0;
	}
	struct vreg src;
	if (x) {
		if ((r = vread_reg(w, in->src)))
			return r;
		src = f->regs[in->src];
	} else {
		vreg_mark_const(&src, is64 ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
	}
	if (w->env->kernel_rules && !x && (op == MOAT_LSH || op == MOAT_RSH || op == MOAT_ARSH) &&
	    (uint32_t)in->imm >= (is64 ? 64u : 32u))
		return vfail(w, EINVAL, "shift by %d is out of range for a %d-bit operand (the "
			     "kernel rejects it)", in->imm, is64 ? 64 : 32);
	if (w->env->kernel_rules && !x && (op == MOAT_DIV || op == MOAT_MOD) && in->imm == 0)
		return vfail(w, EINVAL, "division by the constant zero (the kernel rejects it)");
	if (op == MOAT_MOV) {
		if (in->off) { /* movsx */
			if (src.type != V_SCALAR)
				return vfail(w, EACCES, "sign extension of a pointer (r%d) is not allowed",
					     in->src);
			vscalar_alu(dst, &src, op, in->off, is64);
			return 0;
		}
		if (is64 || src.type == V_SCALAR) {
			if (is64) {
				*dst = src;
				return 0;
			}
			vscalar_alu(dst, &src, op, 0, false);
			return 0;
		}
		/* mov32 of a pointer: its low half, an unknown number */
		vreg_mark_loaded(dst, 4, false);
		return 0;
	}
	if ((r = vread_reg(w, in->dst)))
		return r;
	if (!is_ptr(dst) && !is_ptr(&src)) {
		vscalar_alu(dst, &src, op, in->off, is64);
		return 0;
	}
	if (!is64)
		return vfail(w, EACCES, "32-bit arithmetic on a pointer (r%d) is not allowed",
			     is_ptr(dst) ? in->dst : in->src);
	if (is_ptr(dst) && is_ptr(&src)) {
		/* pointer difference: same kind of pointer only */
		if (op == MOAT_SUB && dst->type == src.type && dst->type != V_MAP_PTR &&
		    (dst->type != V_STACK || dst->frame == src.frame)) {
			vreg_mark_unknown(dst);
			return 0;
		}
		if (op == MOAT_SUB && ((dst->type == V_PKT_END && src.type == V_PKT) ||
				       (dst->type == V_PKT && src.type == V_PKT_META))) {
			vreg_mark_unknown(dst);
			return 0;
		}
		return vfail(w, EACCES, "r%d %s r%d: arithmetic between a %s and a %s pointer is "
			     "not allowed", in->dst, op == MOAT_SUB ? "-=" : "op=", in->src,
			     vtype_name(dst->type), vtype_name(src.type));
	}
	if (op == MOAT_ADD)
		return is_ptr(dst) ? ptr_math(w, dst, dst, &src, op, in->dst)
				   : ptr_math(w, dst, &src, dst, op, in->dst);
	if (op == MOAT_SUB && is_ptr(dst))
		return ptr_math(w, dst, dst, &src, op, in->dst);
	return vfail(w, EACCES, "only addition and subtraction are allowed on pointers; r%d is %s",
		     is_ptr(dst) ? in->dst : in->src,
		     vtype_name(is_ptr(dst) ? dst->type : src.type));
}

/* -------------------------------------------------------- conditionals */

struct null_mark {
	uint32_t id;
	bool is_null;
};

static void mark_null(struct vreg *r, void *arg)
{
	const struct null_mark *m = arg;
	if ((r->type != V_MAP_VALUE_OR_NULL && r->type != V_RINGBUF_REC_OR_NULL) || r->id != m->id)
		return;
	if (m->is_null) {
		vreg_mark_const(r, 0);
		return;
	}
	r->type = r->type == V_MAP_VALUE_OR_NULL ? V_MAP_VALUE : V_RINGBUF_REC;
}

/* The NULL check of a map lookup or ring-buffer reservation. */
static void apply_null(struct vstate *s, const struct vreg *r, bool is_null)
{
	struct null_mark m = { .id = r->id, .is_null = is_null };
	uint32_t ref = r->ref;
	vstate_for_each_reg(s, mark_null, &m);
	if (is_null && ref)
		vrelease_ref(s, ref, false, -1);
}

struct pkt_mark {
	uint32_t id;
	uint32_t range;
};

static void mark_pkt(struct vreg *r, void *arg)
{
	const struct pkt_mark *m = arg;
	if (r->type == V_PKT && r->id == m->id && r->range < m->range)
		r->range = m->range;
}

/*
 * A packet pointer compared with pkt_end: in the branch where ptr <= end,
 * the bytes before ptr are inside the packet, for every pointer with the
 * same variable part.
 */
static void apply_pkt(struct vstate *s, const struct vreg *p)
{
	if (p->off <= 0 || p->off > 0xffff)
		return;
	struct pkt_mark m = { .id = p->id, .range = (uint32_t)p->off };
	vstate_for_each_reg(s, mark_pkt, &m);
}

static int check_cond(struct walker *w, const struct moat_insn *in)
{
	struct vframe *f = vcur_frame(w);
	bool is64 = MOAT_CLASS(in->code) == MOAT_JMP, x = MOAT_SRC(in->code) == MOAT_X;
	unsigned op = MOAT_OP(in->code);
	int target = w->i + 1 + in->off;
	int r;
	if ((r = vread_reg(w, in->dst)))
		return r;
	struct vreg src;
	if (x) {
		if ((r = vread_reg(w, in->src)))
			return r;
		src = f->regs[in->src];
	} else {
		vreg_mark_const(&src, is64 ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
	}
	struct vreg *dst = &f->regs[in->dst];
	int outcome = -1;
	if (dst->type == V_SCALAR && src.type == V_SCALAR)
		outcome = vscalar_branch(dst, &src, op, is64);
	/* a pointer that cannot be NULL compared with 0 */
	bool null_cmp = (op == MOAT_JEQ || op == MOAT_JNE) && is64;
	if (null_cmp && is_ptr(dst) && dst->type != V_MAP_VALUE_OR_NULL &&
	    dst->type != V_RINGBUF_REC_OR_NULL && vreg_is_const(&src) && src.var.value == 0)
		outcome = op == MOAT_JNE;
	if (w->env->log_level > 1 && outcome >= 0)
		vlog(w, "insn %d: branch %s\n", w->i, outcome ? "always taken" : "never taken");
	if (outcome == 0) {
		w->next = w->i + 1;
		return 0;
	}
	if (outcome == 1) {
		note_jump(w->cur, w->i, target);
		w->next = target;
		return 0;
	}
	struct vstate *other = vstate_copy(w->cur); /* the taken branch */
	if (!other)
		return vfail(w, ENOMEM, "out of memory");
	struct vframe *of = other->frames[other->nframes - 1];
	struct vreg *odst = &of->regs[in->dst];
	bool keep_taken = true, keep_fall = true;
	if (dst->type == V_SCALAR && src.type == V_SCALAR) {
		struct vreg osrc = src;
		keep_taken = vscalar_refine(odst, &osrc, op, is64, true);
		if (x)
			of->regs[in->src] = osrc;
		keep_fall = vscalar_refine(dst, &src, op, is64, false);
		if (x)
			f->regs[in->src] = src;
	} else if (null_cmp && vreg_is_const(&src) && src.var.value == 0 &&
		   (dst->type == V_MAP_VALUE_OR_NULL || dst->type == V_RINGBUF_REC_OR_NULL)) {
		struct vreg d = *dst;
		apply_null(other, &d, op == MOAT_JEQ);
		apply_null(w->cur, &d, op != MOAT_JEQ);
	} else if (is64 && ((dst->type == V_PKT && src.type == V_PKT_END) ||
			    (dst->type == V_PKT_END && src.type == V_PKT))) {
		bool pkt_left = dst->type == V_PKT;
		const struct vreg p = pkt_left ? *dst : src;
		/* which branch has ptr <= end (or ptr < end) */
		bool taken_ok;
		switch (op) {
		case MOAT_JGT: taken_ok = !pkt_left; break;  /* end > ptr */
		case MOAT_JGE: taken_ok = !pkt_left; break;  /* end >= ptr */
		case MOAT_JLT: taken_ok = pkt_left; break;   /* ptr < end */
		case MOAT_JLE: taken_ok = pkt_left; break;   /* ptr <= end */
		default: goto no_refine;
		}
		apply_pkt(taken_ok ? other : w->cur, &p);
	}
no_refine:
	if (keep_taken) {
		note_jump(other, w->i, target);
		if ((r = push_branch(w, other, target)) < 0) {
			vstate_free(other);
			return r;
		}
	} else {
		vstate_free(other);
	}
	if (!keep_fall)
		return 1; /* this path is dead */
	w->next = w->i + 1;
	return 0;
}

/* --------------------------------------------------------------- LD, LDDW */

static int check_lddw(struct walker *w, const struct moat_insn *in)
{
	struct vreg *d = &vcur_frame(w)->regs[in->dst];
	uint64_t v = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
	w->next = w->i + 2;
	if (in->src == 0) {
		vreg_mark_const(d, v);
		return 0;
	}
	struct moat_map *m = moat_prog_map(w->env->prog, (uint32_t)in->imm);
	if (!m)
		return vfail(w, EINVAL, "lddw refers to map %u, but the program has no such map",
			     (uint32_t)in->imm);
	vreg_mark_not_init(d);
	d->map = m;
	d->origin = w->i;
	if (in->src == MOAT_PSEUDO_MAP_FD) {
		d->type = V_MAP_PTR;
		return 0;
	}
	if (in->src != MOAT_PSEUDO_MAP_VALUE)
		return vfail(w, EINVAL, "lddw with src %u is not supported", in->src);
	if (moat_map_type(m) != MOAT_MAP_ARRAY || (uint32_t)in[1].imm >= moat_map_value_size(m))
		return vfail(w, EINVAL, "a map value reference needs an array map and an offset "
			     "inside its %u-byte value", moat_map_value_size(m));
	if (w->env->kernel_rules && moat_map_max_entries(m) != 1)
		return vfail(w, EINVAL, "direct access to a map value needs an array with one entry "
			     "('%s' has %u; the kernel refuses more)", moat_map_name(m),
			     moat_map_max_entries(m));
	d->type = V_MAP_VALUE;
	d->size = moat_map_value_size(m);
	d->off = in[1].imm;
	d->var = tnum_const(0);
	return 0;
}

static int check_ld_pkt(struct walker *w, const struct moat_insn *in)
{
	struct vframe *f = vcur_frame(w);
	static const unsigned sizes[4] = { 4, 2, 1, 8 };
	unsigned size = sizes[MOAT_SIZE(in->code) >> 3];
	int r;
	if (!vctx_has_ld_abs(w->env->type))
		return vfail(w, EINVAL, "legacy packet loads (LD_ABS/LD_IND) are not allowed in %s "
			     "programs", moat_prog_type_name(w->env->type));
	const struct vreg *r6 = &f->regs[MOAT_R6];
	if (w->env->kernel_rules && (r6->type != V_CTX || r6->off || !tnum_is_const(r6->var) ||
				     r6->var.value))
		return vfail(w, EINVAL, "LD_ABS/LD_IND need r6 to hold the context, unmoved "
			     "(the packet is read through it)");
	if (MOAT_MODE(in->code) == MOAT_IND) {
		if ((r = vread_reg(w, in->src)))
			return r;
		if (f->regs[in->src].type != V_SCALAR)
			return vfail(w, EACCES, "LD_IND offset register r%d holds a pointer", in->src);
	}
	vreg_mark_loaded(&f->regs[0], size, false);
	if (w->env->kernel_rules) /* the kernel implements them as calls */
		for (int k = 1; k <= 5; k++)
			vreg_mark_not_init(&f->regs[k]);
	return 0;
}

/* ---------------------------------------------------------------- walk */

static void log_insn(struct walker *w)
{
	char dis[160];
	if (moat_disasm_insn(w->env->in, w->env->n, (size_t)w->i, MOAT_SYNTAX_MOAT, dis,
			     sizeof(dis)) < 0)
		snprintf(dis, sizeof(dis), "?");
	vlog(w, "%d: %s\n", w->i, dis);
	vstate_log(w->env, w->cur, "    ");
}

/* One instruction of the current path.  Returns 0 to go on at w->next, 1
 * when the path ended, or a negative error. */
static int step(struct walker *w)
{
	const struct moat_insn *in = &w->env->in[w->i];
	unsigned cls = MOAT_CLASS(in->code), op = MOAT_OP(in->code);
	w->next = w->i + 1;
	switch (cls) {
	case MOAT_ALU:
	case MOAT_ALU64:
		return check_alu(w, in);
	case MOAT_LDX:
	case MOAT_ST:
	case MOAT_STX:
		return vcheck_mem_insn(w, in);
	case MOAT_LD:
		return moat_is_lddw(in) ? check_lddw(w, in) : check_ld_pkt(w, in);
	default:
		break;
	}
	if (op == MOAT_JA) {
		int t = w->i + 1 + (cls == MOAT_JMP32 ? in->imm : in->off);
		note_jump(w->cur, w->i, t);
		w->next = t;
		return 0;
	}
	if (op == MOAT_CALL)
		return vcheck_call(w, in);
	if (op == MOAT_EXIT)
		return vcheck_exit(w);
	return check_cond(w, in);
}

static int initial_state(struct walker *w)
{
	struct vstate *s = vstate_new();
	struct vframe *f = vframe_new(0, 0);
	if (!s || !f) {
		vstate_free(s);
		free(f);
		return moat_error_set(w->env->err, ENOMEM, "out of memory");
	}
	s->frames[0] = f;
	s->nframes = 1;
	struct vreg *r1 = &f->regs[1];
	vreg_mark_not_init(r1);
	r1->var = tnum_const(0);
	if (w->env->type == MOAT_PROG_MEM) {
		r1->type = V_MEM;
		r1->size = (uint32_t)w->env->mem_len;
		vreg_mark_const(&f->regs[2], w->env->mem_len);
	} else {
		r1->type = V_CTX;
		r1->size = vctx_size(w->env);
	}
	vreg_mark_not_init(&f->regs[MOAT_R10]);
	f->regs[MOAT_R10].type = V_STACK;
	f->regs[MOAT_R10].var = tnum_const(0);
	w->cur = s;
	return 0;
}

int moat_verify_analyze(struct venv *env)
{
	struct walker w = { .env = env, .i = 0 };
	if (!env->max_insns)
		env->max_insns = DEFAULT_MAX_INSNS;
	w.stored = calloc(env->n, sizeof(*w.stored));
	if (!w.stored)
		return moat_error_set(env->err, ENOMEM, "out of memory");
	int r = initial_state(&w);
	while (r == 0) {
		if (!w.cur) {
			if (!w.npend)
				break;
			struct pending p = w.pend[--w.npend];
			w.cur = p.st;
			w.i = p.insn;
			if (env->log_level > 1)
				vlog(&w, "from a branch: continuing at insn %d\n", w.i);
		}
		if (++env->stats.insns_processed > env->max_insns) {
			r = vfail(&w, E2BIG,
				  "the analysis processed %" PRIu64 " instructions without "
				  "finishing (limit %" PRIu64 "): a loop may not end, or the "
				  "program has too many paths", env->stats.insns_processed - 1,
				  env->max_insns);
			break;
		}
		if (env->kind[w.i] & VK_JUMP_TARGET) {
			r = visit(&w);
			if (r == 1) {
				path_done(&w);
				r = 0;
				continue;
			}
			if (r < 0)
				break;
		}
		if (env->log_level > 1)
			log_insn(&w);
		r = step(&w);
		if (r == 1) {
			path_done(&w);
			r = 0;
			continue;
		}
		w.i = w.next;
	}
	if (w.cur)
		vstate_free(w.cur);
	for (size_t k = 0; k < w.npend; k++)
		vstate_free(w.pend[k].st);
	free(w.pend);
	for (size_t i = 0; i < env->n; i++)
		free_list(w.stored[i]);
	free_list(w.retired);
	free(w.stored);
	return r < 0 ? r : 0;
}
