/*
 * The seccomp compiler's program shape.  For x86-64:
 *
 *     ld  [4]                       arch
 *     jeq #AUDIT_ARCH_X86_64, 0, KILL
 *     ld  [0]                       nr
 *     <range search over nr>        -> a return, or a syscall's argument block
 *     <argument blocks>             -> returns
 *     <one ret per distinct action>
 *
 * The search covers the whole 32-bit space, so the x32 numbers (bit 30)
 * and the numbers above moat's table are two more ranges rather than
 * checks every syscall pays for.  Every jump goes forward; labels are
 * resolved once all code is placed, then the program is checked and
 * verified like any other before it is handed out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <moat/syscalls.h>

#include "compile/seccomp/gen.h"
#include "util/cleanup.h"

int sc_label_new(struct sc_gen *g)
{
	if (vec_push(&g->labels, -1) < 0) {
		g->oom = true;
		return 0;
	}
	return (int)g->labels.n - 1;
}

void sc_label_place(struct sc_gen *g, int l, bool keep_a)
{
	if (g->oom)
		return;
	g->labels.v[l] = (int)g->code.n;
	if (!keep_a)
		g->a_word = -1;
}

size_t sc_emit(struct sc_gen *g, uint16_t code, uint32_t k, int jt, int jf)
{
	struct sc_ins in = { code, k, jt, jf };
	if (vec_push(&g->code, in) < 0)
		g->oom = true;
	return g->code.n ? g->code.n - 1 : 0;
}

void sc_emit_ld(struct sc_gen *g, uint32_t off)
{
	if (g->a_word == (int)off)
		return;
	sc_emit(g, BPF_LD | BPF_W | BPF_ABS, off, -1, -1);
	g->a_word = (int)off;
}

int sc_ret_label(struct sc_gen *g, uint32_t action)
{
	for (size_t i = 0; i < g->rets.n; i++)
		if (g->rets.v[i].action == action)
			return g->rets.v[i].label;
	struct sc_ret r = { action, sc_label_new(g) };
	if (vec_push(&g->rets, r) < 0)
		g->oom = true;
	return r.label;
}

/* A syscall whose rules need an argument block. */
struct block {
	size_t first, n; /* its conditional rules: flat[first .. first + n) */
	int otherwise;   /* label when none matches */
	int label;
};

/* Everything generate() collects before emitting the search and the blocks. */
struct plan {
	VEC(struct block) blocks;
	VEC(struct sc_rule) flat;
	VEC(struct sc_range) ranges;
};

static int by_nr_then_order(const void *a, const void *b)
{
	const struct sc_rule *x = *(const struct sc_rule *const *)a, *y = *(const struct sc_rule *const *)b;
	if (x->nr != y->nr)
		return (x->nr > y->nr) - (x->nr < y->nr);
	return (x > y) - (x < y);
}

/*
 * Where one syscall's rules r[0..n) send it: straight to a return when the
 * outcome does not depend on arguments, else to a new argument block.
 * Rules after an unconditional one were refused when the policy was built,
 * so an unconditional rule can only come last, as the fallback.
 */
static int syscall_target(struct sc_gen *g, struct plan *pl, const struct sc_rule *const *r,
			  size_t n, uint32_t def)
{
	size_t cond = 0;
	while (cond < n && r[cond]->ncmp)
		cond++;
	uint32_t fall = cond < n ? r[cond]->action : def;
	bool same = true;
	for (size_t i = 0; i < cond; i++)
		same &= r[i]->action == fall;
	int otherwise = sc_ret_label(g, fall);
	if (same)
		return otherwise;
	struct block b = { pl->flat.n, cond, otherwise, sc_label_new(g) };
	for (size_t i = 0; i < cond; i++)
		if (vec_push(&pl->flat, *r[i]) < 0)
			g->oom = true;
	if (vec_push(&pl->blocks, b) < 0)
		g->oom = true;
	return b.label;
}

static void add_range(struct sc_gen *g, struct plan *pl, uint32_t lo, int target)
{
	if (pl->ranges.n && pl->ranges.v[pl->ranges.n - 1].target == target)
		return;
	struct sc_range r = { lo, target };
	if (vec_push(&pl->ranges, r) < 0)
		g->oom = true;
}

/* The program's code, with labels; the caller resolves it. */
static int generate(struct sc_gen *g, const struct moat_seccomp_policy *p, size_t *nsyscalls,
		    size_t *nranges)
{
	size_t n = p->rules.n, max = (size_t)moat_syscall_max();
	MOAT_AUTO(free) const struct sc_rule **order = calloc(n ? n : 1, sizeof(*order));
	struct plan pl = { 0 };
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = &p->rules.v[i];
	qsort(order, n, sizeof(*order), by_nr_then_order);

	int kill = sc_ret_label(g, MOAT_SECCOMP_KILL_PROCESS), go = sc_label_new(g);
	sc_emit_ld(g, 4);
	sc_emit(g, BPF_JMP | BPF_JEQ | BPF_K, MOAT_SECCOMP_ARCH_X86_64, go, kill);
	sc_label_place(g, go, true);
	sc_emit_ld(g, 0);

	int def = sc_ret_label(g, p->def);
	size_t i = 0;
	*nsyscalls = 0;
	for (size_t nr = 0; nr <= max; nr++) {
		size_t j = i;
		while (j < n && (size_t)order[j]->nr == nr)
			j++;
		int t = j > i ? syscall_target(g, &pl, order + i, j - i, p->def) : def;
		*nsyscalls += j > i;
		add_range(g, &pl, (uint32_t)nr, t);
		i = j;
	}
	add_range(g, &pl, (uint32_t)max + 1, sc_ret_label(g, sc_newer_action(p->def)));
	add_range(g, &pl, MOAT_SECCOMP_X32_BIT, kill);
	*nranges = pl.ranges.n;
	if (!g->oom)
		sc_emit_search(g, pl.ranges.v, pl.ranges.n, 1ull << 32);

	for (size_t b = 0; b < pl.blocks.n && !g->oom; b++) {
		const struct block *bl = &pl.blocks.v[b];
		sc_label_place(g, bl->label, false);
		sc_emit_rules(g, pl.flat.v + bl->first, bl->n, bl->otherwise);
	}
	vec_release(&pl.blocks);
	vec_release(&pl.flat);
	vec_release(&pl.ranges);
	return g->oom ? -ENOMEM : 0;
}

static long branch_len(const struct sc_gen *g, size_t i, int label)
{
	return g->labels.v[label] - (long)i - 1;
}

/* Inserts k instructions after index i, moving the labels behind it down. */
static int insert_after(struct sc_gen *g, size_t i, size_t k)
{
	if (vec_reserve(&g->code, k) < 0)
		return -ENOMEM;
	memmove(&g->code.v[i + 1 + k], &g->code.v[i + 1], (g->code.n - i - 1) * sizeof(g->code.v[0]));
	g->code.n += k;
	for (size_t l = 0; l < g->labels.n; l++)
		if (g->labels.v[l] > (int)i)
			g->labels.v[l] += (int)k;
	return 0;
}

/*
 * Points *label at a ja to the same place already within reach of the
 * branch at i, when there is one; true if it did.
 */
static bool reuse_ja(struct sc_gen *g, size_t i, int *label)
{
	for (size_t j = i + 1; j < g->code.n && j <= i + 256; j++) {
		const struct sc_ins *c = &g->code.v[j];
		if (c->code != (BPF_JMP | BPF_JA) || c->jt != *label)
			continue;
		int l = sc_label_new(g);
		if (g->oom)
			return false;
		g->labels.v[l] = (int)j;
		*label = l;
		return true;
	}
	return false;
}

/*
 * Classic BPF's conditional jumps reach at most 255 instructions ahead.  A
 * branch that must go further goes through a `ja` (32-bit offset) inserted
 * right after it (or through one already within reach that goes there): the
 * far side falls into the ja, the near side skips it.
 * The scan goes backward: an insertion lengthens only branches that jump
 * over it, which come earlier and are still to be scanned, and a ja placed
 * for a later branch can serve earlier ones.  Profiles the size of Docker's
 * never need any.
 */
static int relax(struct sc_gen *g)
{
	for (size_t i = g->code.n; i-- > 0;) {
		struct sc_ins in = g->code.v[i];
		if (BPF_CLASS(in.code) != BPF_JMP || BPF_OP(in.code) == BPF_JA)
			continue;
		bool far_t = branch_len(g, i, in.jt) > 255, far_f = branch_len(g, i, in.jf) > 255;
		if (far_t)
			far_t = !reuse_ja(g, i, &g->code.v[i].jt);
		if (far_f)
			far_f = !reuse_ja(g, i, &g->code.v[i].jf);
		if (!far_t && !far_f)
			continue;
		if (g->code.n > MOAT_CBPF_MAXINSNS)
			return 0; /* too long anyway: resolve() says so */
		if (insert_after(g, i, far_t + far_f) < 0)
			return -ENOMEM;
		size_t at = i + 1;
		if (far_t) {
			int l = sc_label_new(g);
			g->labels.v[l] = (int)at;
			g->code.v[at++] = (struct sc_ins){ BPF_JMP | BPF_JA, 0, in.jt, -1 };
			g->code.v[i].jt = l;
		}
		if (far_f) {
			int l = sc_label_new(g);
			g->labels.v[l] = (int)at;
			g->code.v[at] = (struct sc_ins){ BPF_JMP | BPF_JA, 0, in.jf, -1 };
			g->code.v[i].jf = l;
		}
	}
	return g->oom ? -ENOMEM : 0;
}

/* The returns, then every label turned into a jump offset. */
static int resolve(struct sc_gen *g, uint32_t allow_as, struct moat_cbpf_insn **out, size_t *nout,
		   struct moat_error *err)
{
	for (size_t i = 0; i < g->rets.n; i++) {
		uint32_t a = g->rets.v[i].action;
		sc_label_place(g, g->rets.v[i].label, false);
		sc_emit(g, BPF_RET | BPF_K, allow_as && a == MOAT_SECCOMP_ALLOW ? allow_as : a, -1, -1);
	}
	if (g->oom)
		return moat_error_set(err, ENOMEM, "out of memory");
	if (relax(g) < 0)
		return moat_error_set(err, ENOMEM, "out of memory");
	size_t n = g->code.n;
	if (n > MOAT_CBPF_MAXINSNS)
		return moat_error_set(err, E2BIG, "the program needs %zu instructions; the kernel "
				      "takes at most %d", n, MOAT_CBPF_MAXINSNS);
	struct moat_cbpf_insn *p = calloc(n, sizeof(*p));
	if (!p)
		return moat_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct sc_ins *in = &g->code.v[i];
		p[i].code = in->code;
		p[i].k = in->k;
		if (BPF_CLASS(in->code) != BPF_JMP)
			continue;
		long t = g->labels.v[in->jt] - (long)i - 1;
		long f = BPF_OP(in->code) == BPF_JA ? 0 : g->labels.v[in->jf] - (long)i - 1;
		if (BPF_OP(in->code) == BPF_JA) {
			p[i].k = (uint32_t)t;
		} else if (t > 255 || f > 255 || t < 0 || f < 0) {
			free(p);
			return moat_error_insn(err, EFAULT, (long)i, "branch of %ld/%ld instructions "
					       "left after relaxation (a compiler bug)", t, f);
		} else {
			p[i].jt = (uint8_t)t;
			p[i].jf = (uint8_t)f;
		}
	}
	*out = p;
	*nout = n;
	return 0;
}

int moat_seccomp_compile(const struct moat_seccomp_policy *policy,
			 const struct moat_seccomp_compile_opts *opts, struct moat_cbpf_insn **insns,
			 size_t *n, struct moat_seccomp_stats *stats, struct moat_error *err)
{
	moat_error_clear(err);
	uint32_t allow_as = MOAT_OPTS_HAS(opts, moat_seccomp_compile_opts, allow_as)
				    ? opts->allow_as : 0;
	for (size_t i = 0; i < policy->rules.n; i++)
		if (sc_rule_conditional(&policy->rules.v[i]))
			return moat_error_at(err, EINVAL, policy->name, policy->rules.v[i].line,
					     policy->rules.v[i].col,
					     "a rule still depends on capabilities ('with'/'without'): "
					     "parse the profile for the container's capability set");
	struct sc_gen g = { .a_word = -1 };
	size_t nsys = 0, nranges = 0;
	struct moat_cbpf_insn *p = NULL;
	size_t np = 0;
	int r = generate(&g, policy, &nsys, &nranges);
	if (r < 0)
		moat_error_set(err, -r, "out of memory");
	else
		r = resolve(&g, allow_as, &p, &np, err);
	vec_release(&g.code);
	vec_release(&g.labels);
	vec_release(&g.rets);
	if (r == 0 && (r = moat_seccomp_verify(p, np, err)) < 0)
		moat_error_prefix(err, "compiled program rejected (a compiler bug)");
	if (r < 0) {
		free(p);
		return r;
	}
	if (stats) {
		stats->insns = np;
		stats->worst_path = moat_seccomp_worst_path(p, np);
		stats->syscalls = nsys;
		stats->ranges = nranges;
	}
	*insns = p;
	*n = np;
	return 0;
}
