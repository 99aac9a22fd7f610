/* Program objects (include/moat/prog.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/prog_internal.h"
#include "util/cleanup.h"

static const char *const type_names[MOAT_PROG_TYPE_COUNT] = {
	[MOAT_PROG_MEM] = "mem",
	[MOAT_PROG_SOCKET_FILTER] = "socket",
	[MOAT_PROG_XDP] = "xdp",
	[MOAT_PROG_SCHED_CLS] = "tc",
	[MOAT_PROG_CGROUP_SKB] = "cgroup_skb",
	[MOAT_PROG_CGROUP_DEVICE] = "cgroup_device",
	[MOAT_PROG_TRACEPOINT] = "tracepoint",
	[MOAT_PROG_RAW_TRACEPOINT] = "raw_tracepoint",
	[MOAT_PROG_SECCOMP] = "seccomp",
};

const char *moat_prog_type_name(enum moat_prog_type type)
{
	return (unsigned)type < MOAT_PROG_TYPE_COUNT ? type_names[type] : "?";
}

int moat_prog_type_parse(const char *name, enum moat_prog_type *type, struct moat_error *err)
{
	for (int t = 0; t < MOAT_PROG_TYPE_COUNT; t++) {
		if (!strcmp(name, type_names[t])) {
			*type = (enum moat_prog_type)t;
			return 0;
		}
	}
	return moat_error_set(err, EINVAL,
			      "unknown program type '%s' (expected mem, socket, xdp, tc, "
			      "cgroup_skb, cgroup_device, tracepoint, raw_tracepoint or seccomp)",
			      name);
}

struct moat_prog *moat_prog_new(enum moat_prog_type type, const struct moat_insn *insns, size_t n,
				struct moat_error *err)
{
	if (n == 0) {
		moat_error_set(err, EINVAL, "program has no instructions");
		return NULL;
	}
	if (n > MOAT_PROG_MAX_INSNS) {
		moat_error_set(err, E2BIG, "program has %zu instructions; the limit is %d", n,
			       MOAT_PROG_MAX_INSNS);
		return NULL;
	}
	MOAT_AUTO(free) struct moat_prog *p = calloc(1, sizeof(*p));
	if (!p || !(p->insns = malloc(n * sizeof(*insns)))) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(p->insns, insns, n * sizeof(*insns));
	p->n = n;
	p->type = type;
	return steal_ptr(p);
}

struct moat_prog *moat_prog_clone_with(const struct moat_prog *p, const struct moat_insn *insns,
				       struct moat_error *err)
{
	struct moat_prog *c = moat_prog_new(p->type, insns, p->n, err);
	if (!c)
		return NULL;
	c->from_cbpf = p->from_cbpf;
	for (size_t i = 0; i < p->n_maps; i++) {
		if (moat_prog_add_map(c, p->maps[i], err) < 0)
			goto fail;
	}
	if (p->name && moat_prog_set_name(c, p->name, err) < 0)
		goto fail;
	return c;
fail:
	moat_prog_free(c);
	return NULL;
}

void moat_prog_free(struct moat_prog *prog)
{
	if (!prog)
		return;
	for (size_t i = 0; i < prog->n_maps; i++)
		moat_map_free(prog->maps[i]);
	for (size_t i = 0; i < prog->n_lines; i++) {
		free((char *)prog->lines[i].file);
		free((char *)prog->lines[i].text);
	}
	free(prog->lines);
	free(prog->maps);
	free(prog->name);
	free(prog->insns);
	free(prog);
}

const struct moat_insn *moat_prog_insns(const struct moat_prog *prog, size_t *n)
{
	if (n)
		*n = prog->n;
	return prog->insns;
}

enum moat_prog_type moat_prog_type(const struct moat_prog *prog)
{
	return prog->type;
}

void moat_prog_set_type(struct moat_prog *prog, enum moat_prog_type type)
{
	prog->type = type;
}

const char *moat_prog_name(const struct moat_prog *prog)
{
	return prog->name ? prog->name : "";
}

int moat_prog_set_name(struct moat_prog *prog, const char *name, struct moat_error *err)
{
	char *s = strdup(name);
	if (!s)
		return moat_error_set(err, ENOMEM, "out of memory");
	free(prog->name);
	prog->name = s;
	return 0;
}

int moat_prog_add_map(struct moat_prog *prog, struct moat_map *map, struct moat_error *err)
{
	struct moat_map **m = realloc(prog->maps, (prog->n_maps + 1) * sizeof(*m));
	if (!m)
		return moat_error_set(err, ENOMEM, "out of memory");
	prog->maps = m;
	m[prog->n_maps] = moat_map_ref(map);
	return (int)prog->n_maps++;
}

size_t moat_prog_map_count(const struct moat_prog *prog)
{
	return prog->n_maps;
}

struct moat_map *moat_prog_map(const struct moat_prog *prog, size_t idx)
{
	return idx < prog->n_maps ? prog->maps[idx] : NULL;
}

int moat_prog_add_line_info(struct moat_prog *prog, const struct moat_line_info *li,
			    struct moat_error *err)
{
	struct moat_line_info *l = realloc(prog->lines, (prog->n_lines + 1) * sizeof(*l));
	if (!l)
		return moat_error_set(err, ENOMEM, "out of memory");
	prog->lines = l;
	struct moat_line_info c = *li;
	c.file = li->file ? strdup(li->file) : NULL;
	c.text = li->text ? strdup(li->text) : NULL;
	if ((li->file && !c.file) || (li->text && !c.text)) {
		free((char *)c.file);
		free((char *)c.text);
		return moat_error_set(err, ENOMEM, "out of memory");
	}
	l[prog->n_lines++] = c;
	prog->lines_sorted = false;
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	const struct moat_line_info *x = a, *y = b;
	return (x->insn > y->insn) - (x->insn < y->insn);
}

const struct moat_line_info *moat_prog_line_info(const struct moat_prog *prog, size_t insn)
{
	if (!prog->n_lines)
		return NULL;
	struct moat_prog *p = (struct moat_prog *)prog; /* sorting is a cache, not a change */
	if (!p->lines_sorted) {
		qsort(p->lines, p->n_lines, sizeof(*p->lines), cmp_line);
		p->lines_sorted = true;
	}
	const struct moat_line_info *best = NULL;
	size_t lo = 0, hi = p->n_lines;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->lines[mid].insn <= insn) {
			best = &p->lines[mid];
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return best;
}
