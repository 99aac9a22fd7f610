/*
 * ELF loader for objects from `clang -target bpf -O2 -g -c`.
 *
 * libelf walks the section table; every byte we interpret ourselves
 * (symbols, relocations, instructions, BTF) is read through bounds-checked
 * struct rd views, because the object is untrusted input.
 *
 * Programs: every executable section other than .text is a program section,
 * and each global function symbol in it is one program.  Calls into .text
 * (static __noinline functions) are linked the way libbpf does: the callee
 * is appended to the caller's instructions once per program and the call's
 * relative imm is rewritten to point at the copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <moat/elf.h>

#include "engine/elf_internal.h"
#include "engine/prog_internal.h"
#include "util/cleanup.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif
#define R_BPF_64_64 1
#define R_BPF_64_32 10

struct obj_prog {
	struct moat_prog *prog;
	char *section;
};

struct moat_obj {
	char *name;
	VEC(struct obj_prog) progs;
	VEC(struct moat_map *) maps;
};

int elf_err(struct elf_ctx *c, int errnum, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return moat_error_set(c->err, errnum, "%s: %s", c->name, msg);
}

const char *elf_rd_str(const struct rd *b, size_t off)
{
	if (!b->p || off >= b->len || !memchr(b->p + off, 0, b->len - off))
		return NULL;
	return (const char *)b->p + off;
}

bool elf_sym(const struct elf_ctx *c, size_t i, Elf64_Sym *sym)
{
	if (i >= c->nsyms)
		return false;
	return rd_copy(&c->syms, i * sizeof(Elf64_Sym), sym);
}

const char *elf_sym_name(const struct elf_ctx *c, const Elf64_Sym *sym)
{
	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION && sym->st_shndx < c->nsecs)
		return c->secs[sym->st_shndx].name;
	const char *s = elf_rd_str(&c->strs, sym->st_name);
	return s ? s : "?";
}

/* ---------------------------------------------------------------- obj */

static int obj_add_map(struct moat_obj *obj, struct moat_map *map)
{
	return vec_push(&obj->maps, map);
}

void moat_obj_free(struct moat_obj *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->progs.n; i++) {
		moat_prog_free(obj->progs.v[i].prog);
		free(obj->progs.v[i].section);
	}
	vec_release(&obj->progs);
	for (size_t i = 0; i < obj->maps.n; i++)
		moat_map_free(obj->maps.v[i]);
	vec_release(&obj->maps);
	free(obj->name);
	free(obj);
}

size_t moat_obj_prog_count(const struct moat_obj *obj)
{
	return obj ? obj->progs.n : 0;
}

struct moat_prog *moat_obj_prog(const struct moat_obj *obj, size_t i)
{
	return obj && i < obj->progs.n ? obj->progs.v[i].prog : NULL;
}

const char *moat_obj_prog_section(const struct moat_obj *obj, size_t i)
{
	return obj && i < obj->progs.n ? obj->progs.v[i].section : NULL;
}

struct moat_prog *moat_obj_find_prog(const struct moat_obj *obj, const char *name)
{
	if (!obj || !name)
		return NULL;
	for (size_t i = 0; i < obj->progs.n; i++)
		if (!strcmp(moat_prog_name(obj->progs.v[i].prog), name))
			return obj->progs.v[i].prog;
	for (size_t i = 0; i < obj->progs.n; i++)
		if (!strcmp(obj->progs.v[i].section, name))
			return obj->progs.v[i].prog;
	return NULL;
}

size_t moat_obj_map_count(const struct moat_obj *obj)
{
	return obj ? obj->maps.n : 0;
}

struct moat_map *moat_obj_map(const struct moat_obj *obj, size_t i)
{
	return obj && i < obj->maps.n ? obj->maps.v[i] : NULL;
}

struct moat_map *moat_obj_find_map(const struct moat_obj *obj, const char *name)
{
	if (!obj || !name)
		return NULL;
	for (size_t i = 0; i < obj->maps.n; i++) {
		const char *n = moat_map_name(obj->maps.v[i]);
		if (n && !strcmp(n, name))
			return obj->maps.v[i];
	}
	return NULL;
}

/* ------------------------------------------------------------ sections */

/*
 * The header is checked by hand before libelf sees the image so that the
 * common mistakes get precise messages (not ELF, wrong class, wrong machine,
 * truncated) instead of libelf's generic "invalid file".
 */
static int check_header(struct elf_ctx *c, const struct rd *file)
{
	unsigned char ident[EI_NIDENT];
	if (!rd_copy(file, 0, &ident) || memcmp(ident, ELFMAG, SELFMAG))
		return file->len < SELFMAG && !memcmp(file->p, ELFMAG, file->len)
			       ? elf_err(c, EINVAL, "truncated ELF header (%zu bytes)", file->len)
			       : elf_err(c, EINVAL, "not an ELF file");
	if (ident[EI_CLASS] != ELFCLASS64)
		return elf_err(c, EINVAL, "not a 64-bit ELF object (class %u)", ident[EI_CLASS]);
	if (ident[EI_DATA] != ELFDATA2LSB)
		return elf_err(c, EINVAL, "not a little-endian ELF object");
	Elf64_Ehdr eh;
	if (!rd_copy(file, 0, &eh))
		return elf_err(c, EINVAL, "truncated ELF header (%zu bytes)", file->len);
	if (eh.e_machine != EM_BPF)
		return elf_err(c, EINVAL, "not a BPF object (machine %u, want EM_BPF=%u)",
			       eh.e_machine, EM_BPF);
	if (eh.e_type != ET_REL)
		return elf_err(c, EINVAL, "not a relocatable object (ELF type %u)", eh.e_type);
	if (eh.e_shnum == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shstrndx >= eh.e_shnum)
		return elf_err(c, EINVAL, "bad section header table (%u entries of %u bytes)",
			       eh.e_shnum, eh.e_shentsize);
	if (!rd_array(file, eh.e_shoff, eh.e_shnum, Elf64_Shdr))
		return elf_err(c, EINVAL, "truncated: section headers at offset %llu do not fit "
					  "in %zu bytes",
			       (unsigned long long)eh.e_shoff, file->len);
	return 0;
}

static int load_sections(struct elf_ctx *c, Elf *e, const struct rd *file)
{
	size_t n, shstrndx;
	if (elf_getshdrnum(e, &n) || elf_getshdrstrndx(e, &shstrndx))
		return elf_err(c, EINVAL, "bad section table: %s", elf_errmsg(-1));
	c->secs = calloc(n, sizeof(*c->secs));
	if (!c->secs)
		return elf_err(c, ENOMEM, "out of memory");
	c->nsecs = n;
	for (size_t i = 1; i < n; i++) {
		struct elf_sec *s = &c->secs[i];
		Elf_Scn *scn = elf_getscn(e, i);
		Elf64_Shdr *sh = scn ? elf64_getshdr(scn) : NULL;
		if (!sh)
			return elf_err(c, EINVAL, "section %zu: %s", i, elf_errmsg(-1));
		memcpy(&s->sh, sh, sizeof(s->sh)); /* libelf may hand out unaligned headers */
		sh = &s->sh;
		s->name = elf_strptr(e, shstrndx, sh->sh_name);
		if (!s->name)
			return elf_err(c, EINVAL, "section %zu: bad name offset %u", i, sh->sh_name);
		if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL &&
		    !rd_sub(file, sh->sh_offset, sh->sh_size, &s->data))
			return elf_err(c, EINVAL,
				       "truncated: section '%s' (%llu bytes at offset %llu) "
				       "does not fit in %zu bytes",
				       s->name, (unsigned long long)sh->sh_size,
				       (unsigned long long)sh->sh_offset, file->len);
	}
	c->secs[0].name = "";
	return 0;
}

static int index_sections(struct elf_ctx *c)
{
	for (size_t i = 1; i < c->nsecs; i++) {
		struct elf_sec *s = &c->secs[i];
		if (s->sh.sh_type == SHT_SYMTAB) {
			if (c->nsyms)
				return elf_err(c, EINVAL, "more than one symbol table");
			if (s->sh.sh_link == 0 || s->sh.sh_link >= c->nsecs ||
			    c->secs[s->sh.sh_link].sh.sh_type != SHT_STRTAB)
				return elf_err(c, EINVAL, "symbol table has no string table");
			c->syms = s->data;
			c->nsyms = s->data.len / sizeof(Elf64_Sym);
			c->strs = c->secs[s->sh.sh_link].data;
		} else if (s->sh.sh_type == SHT_REL) {
			if (s->sh.sh_info == 0 || s->sh.sh_info >= c->nsecs)
				return elf_err(c, EINVAL, "section '%s' relocates section %u, "
							  "which does not exist",
					       s->name, s->sh.sh_info);
			c->secs[s->sh.sh_info].rel = i;
		} else if (!strcmp(s->name, ".text")) {
			c->text = i;
		} else if (!strcmp(s->name, ".maps")) {
			c->btf_maps = i;
		} else if (!strcmp(s->name, "maps")) {
			c->legacy_maps = i;
		} else if (!strcmp(s->name, ".BTF")) {
			c->btf_raw = s->data;
		} else if (!strcmp(s->name, ".BTF.ext")) {
			c->btf_ext = s->data;
		}
	}
	return 0;
}

/* -------------------------------------------------------------- linking */

struct pending_call {
	size_t at;          /* call insn index in the program */
	size_t sec, target; /* callee section and insn index in it */
};

struct link {
	struct elf_ctx *c;
	const char *what; /* program name for messages */
	VEC(struct moat_insn) code;
	VEC(struct elf_unit) units;
	VEC(struct pending_call) calls;
	VEC(struct moat_map *) maps; /* program map table, deduplicated */
};

static void link_release(struct link *l)
{
	vec_release(&l->code);
	vec_release(&l->units);
	vec_release(&l->calls);
	vec_release(&l->maps);
}

static bool is_lddw(const struct moat_insn *in)
{
	return in->code == (MOAT_LD | MOAT_DW | MOAT_IMM);
}

static bool is_pseudo_call(const struct moat_insn *in)
{
	return in->code == (MOAT_JMP | MOAT_CALL) && in->src == MOAT_CALL_LOCAL;
}

static int link_map_index(struct link *l, struct moat_map *m)
{
	for (size_t i = 0; i < l->maps.n; i++)
		if (l->maps.v[i] == m)
			return (int)i;
	if (l->maps.n >= INT32_MAX || vec_push(&l->maps, m) < 0)
		return elf_err(l->c, ENOMEM, "out of memory");
	return (int)l->maps.n - 1;
}

/* Applies one R_BPF_64_64 relocation to the lddw at code[at]. */
static int reloc_lddw(struct link *l, const struct elf_sec *s, size_t ri, size_t at, size_t last,
		      size_t sidx, const Elf64_Sym *sym)
{
	struct elf_ctx *c = l->c;
	struct moat_insn *in = &l->code.v[at];
	const char *name = elf_sym_name(c, sym);
	if (!is_lddw(in) || at + 1 > last)
		return elf_err(c, EINVAL, "section '%s': relocation %zu: instruction %zu is not a "
					  "64-bit immediate load",
			       s->name, ri, sidx);
	if (sym->st_shndx == SHN_UNDEF)
		return elf_err(c, ENOENT, "section '%s': relocation %zu refers to map '%s' that is "
					  "not defined",
			       s->name, ri, name);
	uint64_t off = sym->st_value + (uint64_t)(int64_t)in->imm;
	for (size_t i = 0; i < c->maps.n; i++) {
		const struct elf_map *em = &c->maps.v[i];
		if (em->sec != sym->st_shndx || (!em->data && em->off != off))
			continue;
		if (em->data && (off > INT32_MAX || off > c->secs[em->sec].sh.sh_size))
			return elf_err(c, EINVAL, "section '%s': relocation %zu: offset %llu into "
						  "'%s' is out of range",
				       s->name, ri, (unsigned long long)off, name);
		int idx = link_map_index(l, em->map);
		if (idx < 0)
			return idx;
		in[0].src = em->data ? MOAT_PSEUDO_MAP_VALUE : MOAT_PSEUDO_MAP_FD;
		in[0].imm = idx;
		in[1].imm = em->data ? (int32_t)off : 0;
		return 0;
	}
	const char *sec = sym->st_shndx < c->nsecs ? c->secs[sym->st_shndx].name : "?";
	if (sym->st_shndx == c->btf_maps || sym->st_shndx == c->legacy_maps)
		return elf_err(c, ENOENT, "section '%s': relocation %zu refers to map '%s' that is "
					  "not defined",
			       s->name, ri, name);
	return elf_err(c, EINVAL, "section '%s': relocation %zu refers to '%s' in section '%s', "
				  "which holds neither maps nor global data",
		       s->name, ri, name, sec);
}

/*
 * Applies the relocations that fall inside unit u (just appended at
 * u->base).  `relocated` marks call instructions a relocation resolved, so
 * the caller does not treat them as section-relative calls.
 */
static int apply_relocs(struct link *l, const struct elf_unit *u, bool *relocated)
{
	struct elf_ctx *c = l->c;
	const struct elf_sec *s = &c->secs[u->sec];
	if (!s->rel)
		return 0;
	const struct elf_sec *rs = &c->secs[s->rel];
	size_t nrel = rs->data.len / sizeof(Elf64_Rel);
	for (size_t ri = 0; ri < nrel; ri++) {
		Elf64_Rel rel;
		if (!rd_copy(&rs->data, ri * sizeof(rel), &rel))
			break;
		if (rel.r_offset % 8 || rel.r_offset / 8 >= s->data.len / 8)
			return elf_err(c, EINVAL, "section '%s': relocation %zu: offset %llu is not an "
						  "instruction of the section",
				       s->name, ri, (unsigned long long)rel.r_offset);
		size_t idx = rel.r_offset / 8;
		if (idx < u->start || idx >= u->end)
			continue;
		Elf64_Sym sym;
		if (!elf_sym(c, ELF64_R_SYM(rel.r_info), &sym))
			return elf_err(c, EINVAL, "section '%s': relocation %zu: bad symbol index %llu",
				       s->name, ri, (unsigned long long)ELF64_R_SYM(rel.r_info));
		size_t at = u->base + (idx - u->start);
		size_t last = u->base + (u->end - u->start) - 1;
		unsigned type = ELF64_R_TYPE(rel.r_info);
		struct moat_insn *in = &l->code.v[at];
		int r;
		if (type == R_BPF_64_64) {
			r = reloc_lddw(l, s, ri, at, last, idx, &sym);
			relocated[idx - u->start] = true;
		} else if (type == R_BPF_64_32 && is_pseudo_call(in)) {
			if (sym.st_shndx == SHN_UNDEF)
				return elf_err(c, ENOENT, "section '%s': relocation %zu calls function "
							  "'%s' that is not defined",
					       s->name, ri, elf_sym_name(c, &sym));
			if (sym.st_shndx >= c->nsecs ||
			    !(c->secs[sym.st_shndx].sh.sh_flags & SHF_EXECINSTR) || sym.st_value % 8)
				return elf_err(c, EINVAL, "section '%s': relocation %zu calls '%s', "
							  "which is not a function",
					       s->name, ri, elf_sym_name(c, &sym));
			/* libbpf's rule: target = symbol insn + imm + 1 */
			int64_t t = (int64_t)(sym.st_value / 8) + in->imm + 1;
			if (t < 0 || (uint64_t)t >= c->secs[sym.st_shndx].data.len / 8)
				return elf_err(c, EINVAL, "section '%s': relocation %zu: call target "
							  "outside section '%s'",
					       s->name, ri, c->secs[sym.st_shndx].name);
			struct pending_call pc = { at, sym.st_shndx, (size_t)t };
			relocated[idx - u->start] = true;
			r = vec_push(&l->calls, pc) < 0 ? elf_err(c, ENOMEM, "out of memory") : 0;
		} else {
			r = elf_err(c, EINVAL, "section '%s': relocation %zu: unsupported type %u at "
					       "instruction %zu",
				    s->name, ri, type, idx);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int append_unit(struct link *l, size_t sec, size_t start, size_t end)
{
	struct elf_ctx *c = l->c;
	const struct elf_sec *s = &c->secs[sec];
	size_t n = end - start;
	if (l->code.n + n > MOAT_PROG_MAX_INSNS)
		return elf_err(c, E2BIG, "program '%s' is too large", l->what);
	if (vec_reserve(&l->code, n) < 0)
		return elf_err(c, ENOMEM, "out of memory");
	struct elf_unit u = { sec, start, end, l->code.n };
	for (size_t i = start; i < end; i++)
		if (!rd_copy(&s->data, i * sizeof(struct moat_insn), &l->code.v[l->code.n++]))
			return elf_err(c, EINVAL, "section '%s': instruction %zu out of range",
				       s->name, i);
	if (vec_push(&l->units, u) < 0)
		return elf_err(c, ENOMEM, "out of memory");
	MOAT_AUTO(free) bool *relocated = calloc(n ? n : 1, sizeof(bool));
	if (!relocated)
		return elf_err(c, ENOMEM, "out of memory");
	int r = apply_relocs(l, &u, relocated);
	if (r < 0)
		return r;
	/*
	 * Calls without a relocation are relative within the section.  A lddw
	 * naming a map only ever gets its src from a relocation: one that
	 * arrives with src already set would index a map table it never built.
	 */
	for (size_t i = 0; i < n; i++) {
		const struct moat_insn *in = &l->code.v[u.base + i];
		if (is_lddw(in) && in->src && !relocated[i])
			return elf_err(c, EINVAL, "section '%s': instruction %zu: 64-bit load with "
						  "src %u but no relocation",
				       s->name, start + i, in->src);
		if (!is_pseudo_call(in) || relocated[i])
			continue;
		int64_t t = (int64_t)(start + i) + in->imm + 1;
		if (t < 0 || (uint64_t)t >= s->data.len / 8)
			return elf_err(c, EINVAL, "section '%s': call at instruction %zu jumps "
						  "outside the section",
				       s->name, start + i);
		struct pending_call pc = { u.base + i, sec, (size_t)t };
		if (vec_push(&l->calls, pc) < 0)
			return elf_err(c, ENOMEM, "out of memory");
	}
	return 0;
}

/* The function symbol of section sec containing insn idx: [*start, *end). */
static void func_range(const struct elf_ctx *c, size_t sec, size_t idx, size_t *start,
		       size_t *end)
{
	*start = 0;
	*end = c->secs[sec].data.len / 8;
	for (size_t i = 1; i < c->nsyms; i++) {
		Elf64_Sym sym;
		if (!elf_sym(c, i, &sym) || sym.st_shndx != sec ||
		    ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value % 8 || !sym.st_size)
			continue;
		uint64_t b = sym.st_value / 8, e = b + sym.st_size / 8;
		if (idx >= b && idx < e && e <= *end) {
			*start = b;
			*end = e;
			return;
		}
	}
}

/* Resolves pending calls, appending each callee once. */
static int link_calls(struct link *l)
{
	for (size_t k = 0; k < l->calls.n; k++) {
		struct pending_call pc = l->calls.v[k];
		const struct elf_unit *u = NULL;
		for (size_t i = 0; i < l->units.n && !u; i++)
			if (l->units.v[i].sec == pc.sec && pc.target >= l->units.v[i].start &&
			    pc.target < l->units.v[i].end)
				u = &l->units.v[i];
		if (!u) {
			size_t start, end;
			func_range(l->c, pc.sec, pc.target, &start, &end);
			int r = append_unit(l, pc.sec, start, end);
			if (r < 0)
				return r;
			u = &l->units.v[l->units.n - 1];
		}
		int64_t rel = (int64_t)(u->base + (pc.target - u->start)) - (int64_t)(pc.at + 1);
		l->code.v[pc.at].imm = (int32_t)rel;
	}
	return 0;
}

/* ------------------------------------------------------------- programs */

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static enum moat_prog_type type_of_section(const char *name)
{
	static const struct {
		const char *prefix;
		enum moat_prog_type type;
	} table[] = {
		{ "socket", MOAT_PROG_SOCKET_FILTER },
		{ "xdp", MOAT_PROG_XDP },
		{ "tc", MOAT_PROG_SCHED_CLS },
		{ "classifier", MOAT_PROG_SCHED_CLS },
		{ "cgroup_skb/", MOAT_PROG_CGROUP_SKB },
		{ "cgroup/dev", MOAT_PROG_CGROUP_DEVICE },
		{ "tracepoint/", MOAT_PROG_TRACEPOINT },
		{ "tp/", MOAT_PROG_TRACEPOINT },
		{ "raw_tracepoint/", MOAT_PROG_RAW_TRACEPOINT },
		{ "raw_tp/", MOAT_PROG_RAW_TRACEPOINT },
	};
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(table); i++)
		if (has_prefix(name, table[i].prefix))
			return table[i].type;
	return MOAT_PROG_MEM;
}

static int build_prog(struct elf_ctx *c, struct moat_obj *obj, size_t sec, size_t start,
		      size_t end, const char *name)
{
	struct link l = { .c = c, .what = name };
	struct moat_prog *p = NULL;
	int r = append_unit(&l, sec, start, end);
	if (r == 0)
		r = link_calls(&l);
	if (r == 0) {
		struct moat_error e;
		moat_error_clear(&e);
		p = moat_prog_new(type_of_section(c->secs[sec].name), l.code.v, l.code.n, &e);
		r = p ? moat_prog_set_name(p, name, &e) : -1;
		for (size_t i = 0; r == 0 && i < l.maps.n; i++)
			r = moat_prog_add_map(p, l.maps.v[i], &e) == (int)i ? 0 : -1;
		if (r < 0)
			r = elf_err(c, e.errnum ? e.errnum : EINVAL, "program '%s': %s", name, e.msg);
	}
	if (r == 0)
		r = elf_btf_line_info(c, p, l.units.v, l.units.n);
	struct obj_prog op = { p, r == 0 ? strdup(c->secs[sec].name) : NULL };
	if (r == 0 && (!op.section || vec_push(&obj->progs, op) < 0)) {
		free(op.section);
		r = elf_err(c, ENOMEM, "out of memory");
	}
	if (r < 0)
		moat_prog_free(p);
	link_release(&l);
	return r;
}

static int cmp_sym_value(const void *a, const void *b)
{
	const Elf64_Sym *x = a, *y = b;
	return (x->st_value > y->st_value) - (x->st_value < y->st_value);
}

/* One program per global function of an executable section. */
static int section_progs(struct elf_ctx *c, struct moat_obj *obj, size_t sec)
{
	const struct elf_sec *s = &c->secs[sec];
	size_t n = s->data.len / 8;
	if (s->data.len % 8)
		return elf_err(c, EINVAL, "section '%s': size %zu is not a multiple of 8", s->name,
			       s->data.len);
	VEC(Elf64_Sym) funcs = { 0 };
	for (size_t i = 1; i < c->nsyms; i++) {
		Elf64_Sym sym;
		if (!elf_sym(c, i, &sym) || sym.st_shndx != sec ||
		    ELF64_ST_TYPE(sym.st_info) != STT_FUNC ||
		    ELF64_ST_BIND(sym.st_info) == STB_LOCAL)
			continue;
		if (vec_push(&funcs, sym) < 0) {
			vec_release(&funcs);
			return elf_err(c, ENOMEM, "out of memory");
		}
	}
	int r = 0;
	if (funcs.n == 0 && n > 0)
		r = build_prog(c, obj, sec, 0, n, s->name);
	if (funcs.n > 1)
		qsort(funcs.v, funcs.n, sizeof(*funcs.v), cmp_sym_value);
	for (size_t i = 0; r == 0 && i < funcs.n; i++) {
		const Elf64_Sym *f = &funcs.v[i];
		const char *name = elf_sym_name(c, f);
		uint64_t b = f->st_value / 8, e = b + f->st_size / 8;
		if (f->st_value % 8 || f->st_size % 8 || f->st_size == 0 || b >= n || e > n) {
			r = elf_err(c, EINVAL, "section '%s': function '%s' (offset %llu, size %llu) "
					       "is not a whole range of instructions in the section",
				    s->name, name, (unsigned long long)f->st_value,
				    (unsigned long long)f->st_size);
			break;
		}
		r = build_prog(c, obj, sec, b, e, name);
	}
	vec_release(&funcs);
	return r;
}

/* ---------------------------------------------------------------- open */

/* Builds maps, then programs, from the sections libelf found in e. */
static int load_elf(struct elf_ctx *c, struct moat_obj *obj, Elf *e, const struct rd *file)
{
	int r = load_sections(c, e, file);
	if (r == 0)
		r = index_sections(c);
	if (r == 0 && !c->nsyms)
		r = elf_err(c, EINVAL, "no symbol table");
	if (r == 0 && c->btf_maps)
		r = elf_btf_maps(c);
	if (r == 0 && c->legacy_maps)
		r = elf_legacy_maps(c);
	if (r == 0)
		r = elf_data_maps(c);
	for (size_t i = 0; r == 0 && i < c->maps.n; i++) {
		if (obj_add_map(obj, c->maps.v[i].map) < 0)
			r = elf_err(c, ENOMEM, "out of memory");
		else
			moat_map_ref(c->maps.v[i].map);
	}
	for (size_t i = 1; r == 0 && i < c->nsecs; i++) {
		const struct elf_sec *s = &c->secs[i];
		if (s->sh.sh_type == SHT_PROGBITS && (s->sh.sh_flags & SHF_EXECINSTR) && i != c->text)
			r = section_progs(c, obj, i);
	}
	if (r == 0 && obj->progs.n == 0)
		r = elf_err(c, EINVAL, "no programs (no executable section other than .text)");
	return r;
}

static int load(struct elf_ctx *c, struct moat_obj *obj, const struct rd *file)
{
	int r = check_header(c, file);
	if (r < 0)
		return r;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_err(c, EINVAL, "libelf: %s", elf_errmsg(-1));
	Elf *e = elf_memory((char *)file->p, file->len);
	if (!e || elf_kind(e) != ELF_K_ELF)
		r = elf_err(c, EINVAL, "not a valid ELF object: %s", elf_errmsg(-1));
	else
		r = load_elf(c, obj, e, file);
	if (e)
		elf_end(e); /* section names may point into libelf: used only above */
	return r;
}

struct moat_obj *moat_obj_open_mem(const void *data, size_t len, const char *name,
				   struct moat_error *err)
{
	moat_error_clear(err);
	name = name ? name : "object";
	if (!data && len) {
		moat_error_set(err, EINVAL, "%s: no data", name);
		return NULL;
	}
	struct moat_obj *obj = calloc(1, sizeof(*obj));
	MOAT_AUTO(free) uint8_t *copy = malloc(len ? len : 1);
	if (!obj || !copy || !(obj->name = strdup(name))) {
		free(obj);
		moat_error_set(err, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	if (len)
		memcpy(copy, data, len);
	struct elf_ctx c = { .name = name, .err = err };
	struct rd file = { copy, len };
	int r = load(&c, obj, &file);
	for (size_t i = 0; i < c.maps.n; i++)
		moat_map_free(c.maps.v[i].map);
	vec_release(&c.maps);
	elf_btf_release(&c.btf);
	free(c.secs);
	if (r < 0) {
		moat_obj_free(obj);
		return NULL;
	}
	return obj;
}

struct moat_obj *moat_obj_open(const char *path, struct moat_error *err)
{
	moat_error_clear(err);
	MOAT_AUTO(close) int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		moat_error_set(err, errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)1 << 30) {
		moat_error_set(err, EINVAL, "%s: not a regular file of at most 1 GiB", path);
		return NULL;
	}
	size_t len = (size_t)st.st_size;
	MOAT_AUTO(free) uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		moat_error_set(err, ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t k = read(fd, buf + got, len - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			moat_error_set(err, k < 0 ? errno : EIO, "%s: read failed", path);
			return NULL;
		}
		got += (size_t)k;
	}
	const char *base = strrchr(path, '/');
	return moat_obj_open_mem(buf, len, base ? base + 1 : path, err);
}
