/*
 * Maps of an ELF object other than BTF-defined ones: legacy `maps` section
 * definitions and the global-data sections (.rodata, .data, .bss), each of
 * which becomes a one-entry array whose value is the section's bytes.
 */
#include <errno.h>
#include <string.h>

#include "engine/elf_internal.h"
#include "util/cleanup.h"

int elf_add_map(struct elf_ctx *c, size_t sec, uint64_t off, bool data,
		const struct moat_map_def *def)
{
#ifdef MOAT_FUZZING
	/* Fuzz builds only: real maps may hold up to 2 GiB each, which a fuzzer
	 * would turn into out-of-memory reports instead of finding bugs. */
	if (def->max_entries > (1u << 16) || def->value_size > (1u << 16))
		return elf_err(c, E2BIG, "map '%s': too large for a fuzzing build",
			       def->name ? def->name : "?");
#endif
	struct moat_error e;
	moat_error_clear(&e);
	struct moat_map *m = moat_map_new(def, &e);
	if (!m)
		return elf_err(c, e.errnum ? e.errnum : EINVAL, "map '%s': %s",
			       def->name ? def->name : "?", e.msg);
	struct elf_map em = { .sec = sec, .off = off, .data = data, .map = m };
	if (vec_push(&c->maps, em) < 0) {
		moat_map_free(m);
		return elf_err(c, ENOMEM, "out of memory");
	}
	return 0;
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool is_data_section(const struct elf_sec *s)
{
	static const char *const names[] = { ".rodata", ".data", ".bss" };
	if (!(s->sh.sh_flags & SHF_ALLOC) || (s->sh.sh_flags & SHF_EXECINSTR) ||
	    (s->sh.sh_type != SHT_PROGBITS && s->sh.sh_type != SHT_NOBITS))
		return false;
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(names); i++) {
		size_t l = strlen(names[i]);
		if (!strncmp(s->name, names[i], l) && (s->name[l] == 0 || s->name[l] == '.'))
			return true;
	}
	return false;
}

/* Legacy `struct bpf_map_def SEC("maps")`: five u32 fields per symbol. */
int elf_legacy_maps(struct elf_ctx *c)
{
	struct legacy_def {
		uint32_t type, key_size, value_size, max_entries, map_flags;
	};
	const struct elf_sec *s = &c->secs[c->legacy_maps];
	for (size_t i = 1; i < c->nsyms; i++) {
		Elf64_Sym sym;
		if (!elf_sym(c, i, &sym) || sym.st_shndx != c->legacy_maps ||
		    ELF64_ST_TYPE(sym.st_info) == STT_SECTION || !sym.st_name)
			continue;
		const char *name = elf_sym_name(c, &sym);
		struct legacy_def d;
		if (!rd_copy(&s->data, sym.st_value, &d))
			return elf_err(c, EINVAL, "map '%s': definition at offset %llu does not fit "
						  "in section 'maps' (%zu bytes)",
				       name, (unsigned long long)sym.st_value, s->data.len);
		MOAT_OPTS(moat_map_def, def, .type = (enum moat_map_type)d.type,
			  .key_size = d.key_size, .value_size = d.value_size,
			  .max_entries = d.max_entries, .flags = d.map_flags, .name = name);
		int r = elf_add_map(c, c->legacy_maps, sym.st_value, false, &def);
		if (r < 0)
			return r;
	}
	return 0;
}

/* .rodata/.data/.bss: a one-entry array whose value is the section's bytes. */
int elf_data_maps(struct elf_ctx *c)
{
	for (size_t i = 1; i < c->nsecs; i++) {
		const struct elf_sec *s = &c->secs[i];
		if (!is_data_section(s) || s->sh.sh_size == 0)
			continue;
		if (s->sh.sh_size > UINT32_MAX)
			return elf_err(c, E2BIG, "section '%s' is too large (%llu bytes)", s->name,
				       (unsigned long long)s->sh.sh_size);
		bool ro = has_prefix(s->name, ".rodata");
		MOAT_OPTS(moat_map_def, def, .type = MOAT_MAP_ARRAY, .key_size = 4,
			  .value_size = (uint32_t)s->sh.sh_size, .max_entries = 1,
			  .flags = ro ? MOAT_MAP_F_RDONLY_PROG : 0, .name = s->name);
		int r = elf_add_map(c, i, 0, true, &def);
		if (r < 0)
			return r;
		if (s->sh.sh_type == SHT_PROGBITS) {
			uint32_t zero = 0;
			struct moat_error e;
			moat_error_clear(&e);
			struct moat_map *m = c->maps.v[c->maps.n - 1].map;
			if (moat_map_update(m, &zero, s->data.p, MOAT_MAP_ANY, &e) < 0)
				return elf_err(c, e.errnum, "section '%s': %s", s->name, e.msg);
		}
	}
	return 0;
}

