/*
 * ELF objects from `clang -target bpf -O2 -g -c`: programs by section,
 * BTF-defined (.maps) and legacy (maps) map definitions, .rodata/.data/.bss
 * as array maps, map and local-call relocations, BTF line info.
 */
#ifndef MOAT_ELF_H
#define MOAT_ELF_H

#include <moat/prog.h>

/* Opens an object file and builds its maps and programs.  Free with moat_obj_free(). */
MOAT_API struct moat_obj *moat_obj_open(const char *path, struct moat_error *err);

/* Same from memory (copied); `name` is used in messages. */
MOAT_API struct moat_obj *moat_obj_open_mem(const void *data, size_t len, const char *name,
					    struct moat_error *err);
MOAT_API void moat_obj_free(struct moat_obj *obj);

/* Programs, in section order; borrowed pointers owned by obj. */
MOAT_API size_t moat_obj_prog_count(const struct moat_obj *obj);
MOAT_API struct moat_prog *moat_obj_prog(const struct moat_obj *obj, size_t i);
MOAT_API const char *moat_obj_prog_section(const struct moat_obj *obj, size_t i);

/* The program whose section or function name is `name`; NULL if none. */
MOAT_API struct moat_prog *moat_obj_find_prog(const struct moat_obj *obj, const char *name);

/* Maps; borrowed pointers owned by obj. */
MOAT_API size_t moat_obj_map_count(const struct moat_obj *obj);
MOAT_API struct moat_map *moat_obj_map(const struct moat_obj *obj, size_t i);
MOAT_API struct moat_map *moat_obj_find_map(const struct moat_obj *obj, const char *name);

#endif
