/* The program object's layout, shared inside src/engine/. */
#ifndef MOAT_ENGINE_PROG_INTERNAL_H
#define MOAT_ENGINE_PROG_INTERNAL_H

#include <moat/prog.h>
#include <moat/map.h>

#define MOAT_PROG_MAX_INSNS 1000000

struct moat_prog {
	enum moat_prog_type type;
	struct moat_insn *insns;
	size_t n;
	char *name;
	struct moat_map **maps;
	size_t n_maps;
	struct moat_line_info *lines; /* sorted by insn once queried */
	size_t n_lines;
	bool lines_sorted;
	bool from_cbpf; /* translated from classic BPF, which may hold dead code */
};

/* A copy of p (type, maps, name, origin; no line info) with `insns` (p->n
 * of them) in place of its instructions.  NULL when out of memory. */
struct moat_prog *moat_prog_clone_with(const struct moat_prog *p, const struct moat_insn *insns,
				       struct moat_error *err);

#endif
