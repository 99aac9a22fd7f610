/*
 * BTF for the ELF loader: BTF-defined maps (the `.maps` section) and line
 * info from .BTF.ext.  Only what the loader needs is parsed: the type table
 * (to find each map variable's struct and the sizes of key and value types)
 * and the string table.  Every read is bounds-checked; type chains are
 * followed with a depth limit, so cyclic BTF cannot loop.
 */
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "engine/elf_internal.h"
#include "engine/prog_internal.h"
#include "util/cleanup.h"

#define BTF_MAX_DEPTH 32

/* The .BTF.ext header (the kernel's struct btf_ext_header, without CO-RE). */
struct btf_ext_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
};

struct btf_line {
	uint32_t insn_off, file_name_off, line_off, line_col;
};

void elf_btf_release(struct elf_btf *btf)
{
	free(btf->type_off);
	btf->type_off = NULL;
	btf->ntypes = 0;
}

/* Size of the data following a btf_type of this kind, or -1 for an unknown kind. */
static long btf_extra(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: return (long)vlen * (long)sizeof(struct btf_member);
	case BTF_KIND_ENUM: return (long)vlen * 8;
	case BTF_KIND_FUNC_PROTO: return (long)vlen * 8;
	case BTF_KIND_VAR: return 4;
	case BTF_KIND_DATASEC: return (long)vlen * (long)sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return 4;
	case BTF_KIND_ENUM64: return (long)vlen * 12;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG: return 0;
	case BTF_KIND_UNKN:
	default: return -1;
	}
}

static int btf_parse(struct elf_ctx *c)
{
	if (c->btf_ok)
		return 0;
	struct btf_header h;
	if (!rd_copy(&c->btf_raw, 0, &h))
		return elf_err(c, EINVAL, ".BTF: truncated header");
	if (h.magic != BTF_MAGIC || h.hdr_len < sizeof(h))
		return elf_err(c, EINVAL, ".BTF: bad magic or header length");
	if (!rd_sub(&c->btf_raw, (size_t)h.hdr_len + h.type_off, h.type_len, &c->btf.types) ||
	    !rd_sub(&c->btf_raw, (size_t)h.hdr_len + h.str_off, h.str_len, &c->btf.strs))
		return elf_err(c, EINVAL, ".BTF: type or string table out of range");
	VEC(uint32_t) offs = { 0 };
	size_t off = 0;
	while (off < c->btf.types.len) {
		struct btf_type t;
		long extra = -1;
		if (rd_copy(&c->btf.types, off, &t))
			extra = btf_extra(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
		if (extra < 0 || !rd_ptr_(&c->btf.types, off + sizeof(t), (size_t)extra, 1)) {
			vec_release(&offs);
			return elf_err(c, EINVAL, ".BTF: bad type %zu at offset %zu", offs.n + 1, off);
		}
		if (vec_push(&offs, (uint32_t)off) < 0) {
			vec_release(&offs);
			return elf_err(c, ENOMEM, "out of memory");
		}
		off += sizeof(t) + (size_t)extra;
	}
	c->btf.type_off = offs.v;
	c->btf.ntypes = offs.n;
	c->btf_ok = true;
	return 0;
}

/* Type `id` copied to *t; *extra is the offset of its trailing data. */
static bool btf_type(const struct elf_ctx *c, uint32_t id, struct btf_type *t, size_t *extra)
{
	if (id == 0 || id > c->btf.ntypes)
		return false;
	size_t off = c->btf.type_off[id - 1];
	if (extra)
		*extra = off + sizeof(*t);
	return rd_copy(&c->btf.types, off, t);
}

static const char *btf_str(const struct elf_ctx *c, uint32_t off)
{
	return elf_rd_str(&c->btf.strs, off);
}

/* Follows typedef/const/volatile/restrict/type tags; 0 when broken. */
static uint32_t btf_skip_mods(const struct elf_ctx *c, uint32_t id, struct btf_type *t,
			      size_t *extra)
{
	for (int depth = 0; depth < BTF_MAX_DEPTH; depth++) {
		if (!btf_type(c, id, t, extra))
			return 0;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			return id;
		}
	}
	return 0;
}

/* Byte size of type id; false when it has none or the chain is broken. */
static bool btf_size(const struct elf_ctx *c, uint32_t id, int depth, uint64_t *size)
{
	struct btf_type t;
	size_t extra;
	if (depth > BTF_MAX_DEPTH || !(id = btf_skip_mods(c, id, &t, &extra)))
		return false;
	switch (BTF_INFO_KIND(t.info)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_FLOAT:
		*size = t.size;
		return true;
	case BTF_KIND_PTR:
		*size = 8;
		return true;
	case BTF_KIND_VAR:
		return btf_size(c, t.type, depth + 1, size);
	case BTF_KIND_ARRAY: {
		struct btf_array a;
		uint64_t elem;
		if (!rd_copy(&c->btf.types, extra, &a) || !btf_size(c, a.type, depth + 1, &elem))
			return false;
		if (elem && a.nelems > UINT32_MAX / elem)
			return false;
		*size = elem * a.nelems;
		return true;
	}
	default:
		return false;
	}
}

enum { MF_TYPE, MF_MAX_ENTRIES, MF_FLAGS, MF_KEY_SIZE, MF_VALUE_SIZE, MF_KEY, MF_VALUE };

/* Reads one `__uint(name, N)` / `__type(name, T)` member into def. */
static int btf_map_member(struct elf_ctx *c, const char *map, const struct btf_member *m,
			  struct moat_map_def *def)
{
	static const char *const names[] = {
		[MF_TYPE] = "type", [MF_MAX_ENTRIES] = "max_entries", [MF_FLAGS] = "map_flags",
		[MF_KEY_SIZE] = "key_size", [MF_VALUE_SIZE] = "value_size", [MF_KEY] = "key",
		[MF_VALUE] = "value",
	};
	const char *name = btf_str(c, m->name_off);
	size_t f = 0;
	while (name && f < MOAT_ARRAY_SIZE(names) && strcmp(name, names[f]))
		f++;
	if (!name || f == MOAT_ARRAY_SIZE(names))
		return 0; /* pinning, map_extra, values, ...: not used by moat */
	struct btf_type t;
	size_t extra;
	if (!btf_skip_mods(c, m->type, &t, &extra) || BTF_INFO_KIND(t.info) != BTF_KIND_PTR)
		return elf_err(c, EINVAL, "map '%s': member '%s' is not declared with __uint or "
					  "__type",
			       map, name);
	uint64_t v;
	if (f == MF_KEY || f == MF_VALUE) {
		if (!btf_size(c, t.type, 0, &v) || v > UINT32_MAX)
			return elf_err(c, EINVAL, "map '%s': the size of the %s type is unknown", map,
				       name);
	} else {
		struct btf_array a;
		if (!btf_skip_mods(c, t.type, &t, &extra) || BTF_INFO_KIND(t.info) != BTF_KIND_ARRAY ||
		    !rd_copy(&c->btf.types, extra, &a))
			return elf_err(c, EINVAL, "map '%s': member '%s' is not declared with __uint",
				       map, name);
		v = a.nelems;
	}
	switch (f) {
	case MF_TYPE: def->type = (enum moat_map_type)v; break;
	case MF_MAX_ENTRIES: def->max_entries = (uint32_t)v; break;
	case MF_FLAGS: def->flags = (uint32_t)v; break;
	case MF_KEY_SIZE:
	case MF_KEY: def->key_size = (uint32_t)v; break;
	case MF_VALUE_SIZE:
	case MF_VALUE: def->value_size = (uint32_t)v; break;
	default: break;
	}
	return 0;
}

/* One variable of the .maps DATASEC: a struct whose members describe the map. */
static int btf_map_var(struct elf_ctx *c, const struct btf_var_secinfo *vs)
{
	struct btf_type var, st;
	size_t extra;
	if (!btf_type(c, vs->type, &var, NULL) || BTF_INFO_KIND(var.info) != BTF_KIND_VAR)
		return elf_err(c, EINVAL, ".BTF: .maps entry %u is not a variable", vs->type);
	const char *name = btf_str(c, var.name_off);
	if (!name)
		return elf_err(c, EINVAL, ".BTF: map variable %u has a bad name", vs->type);
	if (!btf_skip_mods(c, var.type, &st, &extra) || BTF_INFO_KIND(st.info) != BTF_KIND_STRUCT)
		return elf_err(c, EINVAL, "map '%s': definition is not a struct", name);
	MOAT_OPTS(moat_map_def, def, .name = name);
	for (unsigned i = 0; i < BTF_INFO_VLEN(st.info); i++) {
		struct btf_member m;
		if (!rd_copy(&c->btf.types, extra + i * sizeof(m), &m))
			return elf_err(c, EINVAL, "map '%s': truncated BTF", name);
		int r = btf_map_member(c, name, &m, &def);
		if (r < 0)
			return r;
	}
	/* clang leaves DATASEC offsets to the loader: the symbol has the real one. */
	uint64_t off = vs->offset;
	bool found = false;
	for (size_t i = 1; i < c->nsyms && !found; i++) {
		Elf64_Sym sym;
		const char *sn;
		if (elf_sym(c, i, &sym) && sym.st_shndx == c->btf_maps &&
		    ELF64_ST_TYPE(sym.st_info) != STT_SECTION &&
		    (sn = elf_rd_str(&c->strs, sym.st_name)) && !strcmp(sn, name)) {
			off = sym.st_value;
			found = true;
		}
	}
	if (!found)
		return elf_err(c, EINVAL, "map '%s': no symbol in section '.maps'", name);
	return elf_add_map(c, c->btf_maps, off, false, &def);
}

int elf_btf_maps(struct elf_ctx *c)
{
	if (!c->btf_raw.len)
		return elf_err(c, EINVAL, "section '.maps' needs BTF, but there is no .BTF section");
	int r = btf_parse(c);
	if (r < 0)
		return r;
	for (uint32_t id = 1; id <= c->btf.ntypes; id++) {
		struct btf_type t;
		size_t extra;
		if (!btf_type(c, id, &t, &extra) || BTF_INFO_KIND(t.info) != BTF_KIND_DATASEC)
			continue;
		const char *name = btf_str(c, t.name_off);
		if (!name || strcmp(name, ".maps"))
			continue;
		for (unsigned i = 0; i < BTF_INFO_VLEN(t.info); i++) {
			struct btf_var_secinfo vs;
			if (!rd_copy(&c->btf.types, extra + i * sizeof(vs), &vs))
				return elf_err(c, EINVAL, ".BTF: truncated .maps section info");
			r = btf_map_var(c, &vs);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int add_lines(struct elf_ctx *c, struct moat_prog *prog, const struct elf_unit *u,
		     const struct rd *recs, size_t n, size_t rec_size)
{
	for (size_t i = 0; i < n; i++) {
		struct btf_line bl;
		if (!rd_copy(recs, i * rec_size, &bl))
			return 0;
		size_t idx = bl.insn_off / 8;
		if (bl.insn_off % 8 || idx < u->start || idx >= u->end)
			continue;
		struct moat_line_info li = {
			.insn = (uint32_t)(u->base + idx - u->start),
			.line = bl.line_col >> 10,
			.col = bl.line_col & 0x3ff,
			.file = btf_str(c, bl.file_name_off),
			.text = btf_str(c, bl.line_off),
		};
		if (!li.file)
			li.file = "";
		if (moat_prog_add_line_info(prog, &li, NULL) < 0)
			return elf_err(c, ENOMEM, "out of memory");
	}
	return 0;
}

int elf_btf_line_info(struct elf_ctx *c, struct moat_prog *prog, const struct elf_unit *units,
		      size_t nunits)
{
	struct btf_ext_hdr h;
	if (!c->btf_ext.len || !c->btf_raw.len || !rd_copy(&c->btf_ext, 0, &h) ||
	    h.magic != BTF_MAGIC || h.hdr_len < sizeof(h))
		return 0;
	if (!c->btf_ok) {
		struct moat_error *saved = c->err;
		c->err = NULL; /* line info is optional: bad BTF only means none */
		int r = btf_parse(c);
		c->err = saved;
		if (r < 0)
			return 0;
	}
	struct rd li;
	uint32_t rec_size;
	if (!rd_sub(&c->btf_ext, (size_t)h.hdr_len + h.line_info_off, h.line_info_len, &li) ||
	    !rd_copy(&li, 0, &rec_size) || rec_size < sizeof(struct btf_line))
		return 0;
	size_t off = sizeof(rec_size);
	while (off < li.len) {
		uint32_t hdr[2]; /* section name offset, record count */
		struct rd recs;
		if (!rd_copy(&li, off, &hdr) || (hdr[1] && rec_size > SIZE_MAX / hdr[1]) ||
		    !rd_sub(&li, off + sizeof(hdr), (size_t)hdr[1] * rec_size, &recs))
			return 0;
		off += sizeof(hdr) + recs.len;
		const char *sec = btf_str(c, hdr[0]);
		for (size_t i = 0; sec && i < nunits; i++) {
			if (strcmp(c->secs[units[i].sec].name, sec))
				continue;
			int r = add_lines(c, prog, &units[i], &recs, hdr[1], rec_size);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
