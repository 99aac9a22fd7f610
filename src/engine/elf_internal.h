/*
 * Shared state of the ELF loader (elf.c: sections, symbols, programs and
 * relocations; elf_btf.c: BTF-defined maps and .BTF.ext line info).
 * Every view into the object is a bounds-checked struct rd.
 */
#ifndef MOAT_ENGINE_ELF_INTERNAL_H
#define MOAT_ENGINE_ELF_INTERNAL_H

#include <elf.h>

#include <moat/elf.h>
#include <moat/map.h>

#include "util/reader.h"
#include "util/vec.h"

struct elf_sec {
	const char *name; /* from the section name table; "" when unnamed */
	Elf64_Shdr sh;
	struct rd data;   /* file bytes; empty for SHT_NOBITS */
	size_t rel;       /* index of the SHT_REL section relocating this one, 0 if none */
};

/* A map the object defines: where its definition lives and the map built from it. */
struct elf_map {
	size_t sec;           /* section index */
	uint64_t off;         /* definition offset in that section (0 for data sections) */
	bool data;            /* .rodata/.data/.bss: lddw gets MOAT_PSEUDO_MAP_VALUE */
	struct moat_map *map; /* the reference owned by the object */
};

/* A range of one code section copied into a program at insn index `base`. */
struct elf_unit {
	size_t sec, start, end, base; /* start/end in instructions */
};

/* Parsed BTF: type i (1-based) starts at types.p + type_off[i - 1]. */
struct elf_btf {
	struct rd types, strs;
	uint32_t *type_off;
	size_t ntypes;
};

struct elf_ctx {
	const char *name; /* object name for messages */
	struct moat_error *err;
	struct elf_sec *secs;
	size_t nsecs;
	struct rd syms, strs; /* .symtab and its string table */
	size_t nsyms;
	size_t text;          /* index of .text, 0 if none */
	size_t btf_maps;      /* index of .maps, 0 if none */
	size_t legacy_maps;   /* index of maps, 0 if none */
	struct rd btf_raw, btf_ext;
	struct elf_btf btf;
	bool btf_ok;
	VEC(struct elf_map) maps;
};

/* Records "<obj>: <message>" in c->err; returns -errnum. */
int elf_err(struct elf_ctx *c, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* NUL-terminated string at off inside b, or NULL. */
const char *elf_rd_str(const struct rd *b, size_t off);

/* Symbol i of .symtab copied into *sym; false when out of range. */
bool elf_sym(const struct elf_ctx *c, size_t i, Elf64_Sym *sym);

/* A symbol's name (a section symbol's is its section's); "?" when bad. */
const char *elf_sym_name(const struct elf_ctx *c, const Elf64_Sym *sym);

/* Creates a map from def (named `name`) and records it; returns 0 or -errno. */
int elf_add_map(struct elf_ctx *c, size_t sec, uint64_t off, bool data,
		const struct moat_map_def *def);

/* Builds maps from the legacy `maps` section (elf_maps.c). */
int elf_legacy_maps(struct elf_ctx *c);

/* One array map per non-empty .rodata/.data/.bss section (elf_maps.c). */
int elf_data_maps(struct elf_ctx *c);

/* Builds maps from the BTF-defined .maps section. */
int elf_btf_maps(struct elf_ctx *c);

/* Adds .BTF.ext line info for the code units of one program (best effort: bad
 * line info is ignored, only allocation failures are errors). */
int elf_btf_line_info(struct elf_ctx *c, struct moat_prog *prog, const struct elf_unit *units,
		      size_t nunits);

void elf_btf_release(struct elf_btf *btf);

#endif
