/*
 * The assembler's maps: the `.map NAME TYPE key=K value=V entries=N
 * [flags=...]` directive, and moat_asm_prog, which assembles a program and
 * creates the maps it declares (plus line info for verifier messages).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <moat/prog.h>

#include "engine/asm_internal.h"
#include "util/cleanup.h"

static const struct {
	const char *name;
	enum moat_map_type type;
} map_type_tab[] = {
	{ "array", MOAT_MAP_ARRAY },         { "hash", MOAT_MAP_HASH },
	{ "lru_hash", MOAT_MAP_LRU_HASH },   { "percpu_array", MOAT_MAP_PERCPU_ARRAY },
	{ "percpu_hash", MOAT_MAP_PERCPU_HASH }, { "lpm_trie", MOAT_MAP_LPM_TRIE },
	{ "ringbuf", MOAT_MAP_RINGBUF },     { "prog_array", MOAT_MAP_PROG_ARRAY },
};

static const struct {
	const char *name;
	uint32_t flag;
} map_flag_tab[] = {
	{ "no_prealloc", MOAT_MAP_F_NO_PREALLOC },
	{ "rdonly_prog", MOAT_MAP_F_RDONLY_PROG },
};

/* flags=NAME[|NAME...] */
static int map_flags(struct as *a, uint32_t *flags)
{
	do {
		const char *w;
		size_t n, k;
		struct lx save = a->lx;
		if (!as_word(&a->lx, &w, &n))
			return as_fail(a, "map flag (no_prealloc, rdonly_prog)");
		for (k = 0; k < MOAT_ARRAY_SIZE(map_flag_tab) && !as_eq(w, n, map_flag_tab[k].name); k++)
			;
		if (k == MOAT_ARRAY_SIZE(map_flag_tab)) {
			a->lx = save;
			return as_fail(a, "map flag (no_prealloc, rdonly_prog)");
		}
		*flags |= map_flag_tab[k].flag;
	} while (as_punct(&a->lx, '|'));
	return 0;
}

/* The `KEY=VALUE` attributes of a .map line: key, value, entries, flags. */
static int map_attrs(struct as *a, struct mapdecl *d)
{
	static const char *const names[] = { "key", "value", "entries", "flags" };
	static const char *const what[] = { "key size", "value size", "entry count" };
	uint32_t *field[] = { &d->def.key_size, &d->def.value_size, &d->def.max_entries };
	bool seen[4] = { false };
	struct lx *l = &a->lx;
	for (;;) {
		as_skip_ws(l);
		if (l->p >= l->end)
			break;
		struct lx save = *l;
		const char *w;
		size_t n, k;
		as_word(l, &w, &n);
		for (k = 0; k < 4 && !as_eq(w, n, names[k]); k++)
			;
		if (k == 4) {
			*l = save;
			return as_fail(a, "key=, value=, entries= or flags=");
		}
		if (seen[k])
			return moat_error_at(a->err, EINVAL, l->file, l->line, as_col(&save),
					     "map '%.*s': %s= is given twice", (int)d->len, d->name,
					     names[k]);
		seen[k] = true;
		int e = as_expect(a, '=');
		int64_t v;
		if (e || (k == 3 && (e = map_flags(a, &d->def.flags))))
			return e;
		if (k < 3) {
			if ((e = as_num_in(a, 0, UINT32_MAX, UINT32_MAX, what[k], &v)))
				return e;
			*field[k] = (uint32_t)v;
		}
	}
	/* ring buffers have no keys or values; everything else needs all three */
	for (int k = d->def.type == MOAT_MAP_RINGBUF ? 2 : 0; k < 3; k++)
		if (!seen[k])
			return moat_error_at(a->err, EINVAL, l->file, l->line, as_col(l),
					     "map '%.*s' needs %s=N (the %s)", (int)d->len, d->name,
					     names[k], what[k]);
	return 0;
}

/* .map NAME TYPE key=K value=V entries=N [flags=no_prealloc|rdonly_prog] */
int as_p_map(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	if (!as_eq(w, n, ".map"))
		return NOMATCH;
	(void)i;
	a->slots = 0;
	struct lx *l = &a->lx;
	struct mapdecl d = { .line = l->line };
	as_skip_ws(l);
	d.col = as_col(l);
	if (l->p >= l->end || !as_is_name_start(*l->p) || !as_word(l, &d.name, &d.len))
		return as_fail(a, "map name");
	for (size_t k = 0; k < a->maps.n; k++)
		if (a->maps.v[k].len == d.len && !memcmp(a->maps.v[k].name, d.name, d.len))
			return moat_error_at(a->err, EINVAL, l->file, l->line, d.col,
					     "map '%.*s' is declared twice (first on line %d)",
					     (int)d.len, d.name, a->maps.v[k].line);
	as_skip_ws(l);
	int tc = as_col(l);
	size_t k = 0;
	if (!as_word(l, &w, &n))
		return as_fail(a, "map type");
	while (k < MOAT_ARRAY_SIZE(map_type_tab) && !as_eq(w, n, map_type_tab[k].name))
		k++;
	if (k == MOAT_ARRAY_SIZE(map_type_tab))
		return moat_error_at(a->err, EINVAL, l->file, l->line, tc,
				     "unknown map type '%.*s' (array, hash, lru_hash, percpu_array, "
				     "percpu_hash, lpm_trie, ringbuf, prog_array)", (int)n, w);
	d.def.sz = sizeof(d.def);
	d.def.type = map_type_tab[k].type;
	if (d.def.type == MOAT_MAP_LPM_TRIE) /* the kernel insists on it */
		d.def.flags = MOAT_MAP_F_NO_PREALLOC;
	int e = map_attrs(a, &d);
	if (e)
		return e;
	return vec_push(&a->maps, d) ? moat_error_set(a->err, ENOMEM, "out of memory") : 0;
}

/* Creates declaration d's map and adds it to prog (whose index is then the
 * declaration's position, as the lddw instructions assume). */
static int add_map(struct moat_prog *prog, const struct mapdecl *d, const char *file,
		   struct moat_error *err)
{
	MOAT_AUTO(free) char *name = strndup(d->name, d->len);
	if (!name)
		return moat_error_set(err, ENOMEM, "out of memory");
	struct moat_map_def def = d->def;
	def.name = name;
#ifdef MOAT_FUZZING
	/* Fuzz builds only: real maps may hold up to 2 GiB each, which a fuzzer
	 * would turn into out-of-memory reports instead of finding bugs. */
	if (def.max_entries > (1u << 16) || def.value_size > (1u << 16) || def.key_size > (1u << 16))
		return moat_error_at(err, E2BIG, file, d->line, d->col,
				     "map '%s': too large for a fuzzing build", name);
#endif
	struct moat_error e;
	moat_error_clear(&e);
	struct moat_map *m = moat_map_new(&def, &e);
	if (!m)
		return moat_error_at(err, e.errnum ? e.errnum : EINVAL, file, d->line, d->col, "%s",
				     e.msg);
	int r = moat_prog_add_map(prog, m, err);
	moat_map_free(m); /* the program holds its own reference */
	return r < 0 ? r : 0;
}

/* One line-info entry per source line, so verifier messages name the line. */
static int add_lines(struct moat_prog *prog, const struct as *a, const char *file,
		     struct moat_error *err)
{
	for (size_t k = 0; k < a->lines.n; k++) {
		const struct srcline *s = &a->lines.v[k];
		char *text = strndup(s->text, s->len);
		if (!text)
			return moat_error_set(err, ENOMEM, "out of memory");
		struct moat_line_info li = { .insn = (uint32_t)s->insn, .line = (uint32_t)s->line,
					     .col = 1, .file = file, .text = text };
		int r = moat_prog_add_line_info(prog, &li, err);
		free(text);
		if (r < 0)
			return r;
	}
	return 0;
}

struct moat_prog *moat_asm_prog(const char *src, size_t len, const char *file,
				enum moat_prog_type type, struct moat_error *err)
{
	struct as a = { .lx = { .file = file }, .err = err };
	struct moat_prog *prog = NULL;
	int e = as_assemble(&a, src, len, file);
	if (!e && !a.out.n)
		e = moat_error_at(err, EINVAL, file, 0, 0, "the source holds no instructions");
	if (!e && !(prog = moat_prog_new(type, a.out.v, a.out.n, err)))
		e = -1;
	for (size_t k = 0; !e && k < a.maps.n; k++)
		e = add_map(prog, &a.maps.v[k], file, err);
	if (!e)
		e = add_lines(prog, &a, file, err);
	as_release(&a);
	if (e) {
		moat_prog_free(prog);
		return NULL;
	}
	return prog;
}
