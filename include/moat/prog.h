/*
 * Programs: a sequence of eBPF instructions with a program type, the maps it
 * references, and optional source line information.
 */
#ifndef MOAT_PROG_H
#define MOAT_PROG_H

#include <moat/insn.h>
#include <moat/error.h>

struct moat_map;

/*
 * Program types.  The type fixes what r1 points to on entry, which helpers
 * may be called, and which return values are allowed.
 */
enum moat_prog_type {
	MOAT_PROG_MEM,            /* r1 = buffer, r2 = its length (conformance suite) */
	MOAT_PROG_SOCKET_FILTER,  /* r1 = struct __sk_buff */
	MOAT_PROG_XDP,            /* r1 = struct xdp_md */
	MOAT_PROG_SCHED_CLS,      /* r1 = struct __sk_buff (TC) */
	MOAT_PROG_CGROUP_SKB,     /* r1 = struct __sk_buff */
	MOAT_PROG_CGROUP_DEVICE,  /* r1 = struct bpf_cgroup_dev_ctx */
	MOAT_PROG_TRACEPOINT,     /* r1 = tracepoint record */
	MOAT_PROG_RAW_TRACEPOINT, /* r1 = u64 args[] */
	MOAT_PROG_SECCOMP,        /* r1 = struct seccomp_data (from classic BPF) */
	MOAT_PROG_TYPE_COUNT
};

/* Name of a program type as the CLI spells it ("xdp", "socket", ...). */
MOAT_API const char *moat_prog_type_name(enum moat_prog_type type);

/* Parses a program type name; returns 0 or -EINVAL. */
MOAT_API int moat_prog_type_parse(const char *name, enum moat_prog_type *type,
				  struct moat_error *err);

/*
 * Creates a program from a copy of `n` instructions.  Nothing is checked
 * here beyond n > 0 and the size limit (1,000,000); moat_verify() checks the
 * rest.  Returns NULL on error.  Free with moat_prog_free().
 */
MOAT_API struct moat_prog *moat_prog_new(enum moat_prog_type type, const struct moat_insn *insns,
					 size_t n, struct moat_error *err);

/* Frees a program and drops its map references.  NULL is allowed. */
MOAT_API void moat_prog_free(struct moat_prog *prog);

/* The instructions (owned by prog) and their count in *n. */
MOAT_API const struct moat_insn *moat_prog_insns(const struct moat_prog *prog, size_t *n);

MOAT_API enum moat_prog_type moat_prog_type(const struct moat_prog *prog);
MOAT_API void moat_prog_set_type(struct moat_prog *prog, enum moat_prog_type type);

/* Name (function or section) used in messages; "" when unset.  Copied. */
MOAT_API const char *moat_prog_name(const struct moat_prog *prog);
MOAT_API int moat_prog_set_name(struct moat_prog *prog, const char *name, struct moat_error *err);

/*
 * Adds a reference to `map` to the program's map table and returns its
 * index (>= 0), the value lddw's MOAT_PSEUDO_MAP_FD / MOAT_PSEUDO_MAP_VALUE
 * forms carry in imm.  The program takes its own reference.
 */
MOAT_API int moat_prog_add_map(struct moat_prog *prog, struct moat_map *map,
			       struct moat_error *err);
MOAT_API size_t moat_prog_map_count(const struct moat_prog *prog);
/* Borrowed pointer to map `idx`, NULL when out of range. */
MOAT_API struct moat_map *moat_prog_map(const struct moat_prog *prog, size_t idx);

/* Source position of an instruction, from BTF line info or an assembler. */
struct moat_line_info {
	uint32_t insn;      /* first instruction the position applies to */
	uint32_t line, col; /* 1-based; 0 when unknown */
	const char *file;   /* source file name */
	const char *text;   /* the source line's text, may be NULL */
};

/* Records a line-info entry (strings are copied).  Entries may come in any order. */
MOAT_API int moat_prog_add_line_info(struct moat_prog *prog, const struct moat_line_info *li,
				     struct moat_error *err);

/* The line-info entry covering instruction `insn`, or NULL.  Owned by prog. */
MOAT_API const struct moat_line_info *moat_prog_line_info(const struct moat_prog *prog,
							  size_t insn);

#endif
