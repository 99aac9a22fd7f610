/*
 * The instruction builder (include/moat/builder.h).
 *
 * Jumps are recorded as fixups {instruction, label} and patched in
 * moat_builder_finish(), once every label has a position; until then a
 * jump's offset field is left zero.  Map references are collected into a
 * table in first-use order, which becomes the program's map table, so the
 * lddw immediates are valid map indexes of the finished program.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <moat/builder.h>
#include <moat/map.h>

#include "util/vec.h"

#define UNBOUND SIZE_MAX

struct fixup {
	size_t insn;
	moat_label label;
};

struct src_pos {
	size_t insn; /* first instruction it covers */
	char *file, *text;
	uint32_t line, col;
};

struct moat_builder {
	enum moat_prog_type type;
	VEC(struct moat_insn) insns;
	VEC(size_t) labels; /* label l is at labels.v[l - 1]; UNBOUND until bound */
	VEC(struct fixup) fixups;
	VEC(struct moat_map *) maps;
	VEC(struct src_pos) srcs;
	int err; /* first error (positive errno), sticky */
	size_t err_insn;
	char err_msg[160];
};

static void fail(struct moat_builder *b, int e, const char *msg)
{
	if (b->err)
		return;
	b->err = e;
	b->err_insn = b->insns.n;
	strncpy(b->err_msg, msg, sizeof(b->err_msg) - 1);
}

struct moat_builder *moat_builder_new(enum moat_prog_type type)
{
	struct moat_builder *b = calloc(1, sizeof(*b));
	if (b)
		b->type = type;
	return b;
}

void moat_builder_free(struct moat_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->maps.n; i++)
		moat_map_free(b->maps.v[i]);
	for (size_t i = 0; i < b->srcs.n; i++) {
		free(b->srcs.v[i].file);
		free(b->srcs.v[i].text);
	}
	vec_release(&b->insns);
	vec_release(&b->labels);
	vec_release(&b->fixups);
	vec_release(&b->maps);
	vec_release(&b->srcs);
	free(b);
}

void moat_builder_emit(struct moat_builder *b, struct moat_insn insn)
{
	if (vec_push(&b->insns, insn) < 0)
		fail(b, ENOMEM, "out of memory");
}

size_t moat_builder_pos(const struct moat_builder *b)
{
	return b->insns.n;
}

moat_label moat_builder_label(struct moat_builder *b)
{
	if (vec_push(&b->labels, UNBOUND) < 0) {
		fail(b, ENOMEM, "out of memory");
		return 0;
	}
	return (moat_label)b->labels.n;
}

void moat_builder_bind(struct moat_builder *b, moat_label l)
{
	if (l == 0 || l > b->labels.n) {
		fail(b, EINVAL, "binding a label the builder did not make");
		return;
	}
	if (b->labels.v[l - 1] != UNBOUND) {
		fail(b, EINVAL, "label bound twice");
		return;
	}
	b->labels.v[l - 1] = b->insns.n;
}

static void jump(struct moat_builder *b, struct moat_insn insn, moat_label target)
{
	if (vec_push(&b->fixups, ((struct fixup){b->insns.n, target})) < 0) {
		fail(b, ENOMEM, "out of memory");
		return;
	}
	moat_builder_emit(b, insn);
}

void moat_builder_jmp_imm(struct moat_builder *b, uint8_t op, uint8_t dst, int32_t imm,
			  moat_label target)
{
	jump(b, MOAT_INSN(MOAT_JMP | op | MOAT_K, dst, 0, 0, op == MOAT_JA ? 0 : imm), target);
}

void moat_builder_jmp_reg(struct moat_builder *b, uint8_t op, uint8_t dst, uint8_t src,
			  moat_label target)
{
	if (op == MOAT_JA) {
		moat_builder_ja(b, target);
		return;
	}
	jump(b, MOAT_INSN(MOAT_JMP | op | MOAT_X, dst, src, 0, 0), target);
}

void moat_builder_jmp32_imm(struct moat_builder *b, uint8_t op, uint8_t dst, int32_t imm,
			    moat_label target)
{
	if (op == MOAT_JA) {
		moat_builder_ja(b, target);
		return;
	}
	jump(b, MOAT_INSN(MOAT_JMP32 | op | MOAT_K, dst, 0, 0, imm), target);
}

void moat_builder_ja(struct moat_builder *b, moat_label target)
{
	jump(b, MOAT_INSN(MOAT_JMP | MOAT_JA, 0, 0, 0, 0), target);
}

static void lddw(struct moat_builder *b, uint8_t dst, uint8_t src, uint32_t lo, uint32_t hi)
{
	moat_builder_emit(b, MOAT_INSN(MOAT_LD | MOAT_IMM | MOAT_DW, dst, src, 0, (int32_t)lo));
	moat_builder_emit(b, MOAT_INSN(0, 0, 0, 0, (int32_t)hi));
}

void moat_builder_ld_imm64(struct moat_builder *b, uint8_t dst, uint64_t v)
{
	if ((int64_t)v == (int64_t)(int32_t)v)
		moat_builder_emit(b, MOAT_MOV64_IMM(dst, (int32_t)v));
	else
		lddw(b, dst, 0, (uint32_t)v, (uint32_t)(v >> 32));
}

/* The map's index in the table, adding it (with a reference) on first use. */
static int map_index(struct moat_builder *b, struct moat_map *map)
{
	for (size_t i = 0; i < b->maps.n; i++)
		if (b->maps.v[i] == map)
			return (int)i;
	if (!map || vec_push(&b->maps, map) < 0) {
		fail(b, map ? ENOMEM : EINVAL, map ? "out of memory" : "NULL map reference");
		return -1;
	}
	moat_map_ref(map);
	return (int)(b->maps.n - 1);
}

void moat_builder_ld_map(struct moat_builder *b, uint8_t dst, struct moat_map *map)
{
	int idx = map_index(b, map);
	if (idx >= 0)
		lddw(b, dst, MOAT_PSEUDO_MAP_FD, (uint32_t)idx, 0);
}

void moat_builder_ld_map_value(struct moat_builder *b, uint8_t dst, struct moat_map *map,
			       uint32_t off)
{
	int idx = map_index(b, map);
	if (idx >= 0)
		lddw(b, dst, MOAT_PSEUDO_MAP_VALUE, (uint32_t)idx, off);
}

void moat_builder_set_source(struct moat_builder *b, const char *file, uint32_t line, uint32_t col,
			     const char *text)
{
	struct src_pos p = {.insn = b->insns.n, .line = line, .col = col};
	if (file && !(p.file = strdup(file))) {
		fail(b, ENOMEM, "out of memory");
		return;
	}
	if (file && text && !(p.text = strdup(text))) {
		free(p.file);
		{
			fail(b, ENOMEM, "out of memory");
			return;
		}
	}
	if (vec_push(&b->srcs, p) < 0) {
		free(p.file);
		free(p.text);
		fail(b, ENOMEM, "out of memory");
	}
}

/* Patches every jump; a far unconditional jump becomes `gotol` (JMP32|JA,
 * 32-bit imm), a far conditional one is an error. */
static int resolve(struct moat_builder *b, struct moat_error *err)
{
	for (size_t i = 0; i < b->fixups.n; i++) {
		struct fixup f = b->fixups.v[i];
		if (f.label == 0 || f.label > b->labels.n || b->labels.v[f.label - 1] == UNBOUND)
			return moat_error_insn(err, EINVAL, (long)f.insn,
					       "jump to a label that was never bound");
		int64_t d = (int64_t)b->labels.v[f.label - 1] - (int64_t)f.insn - 1;
		struct moat_insn *in = &b->insns.v[f.insn];
		if (d >= INT16_MIN && d <= INT16_MAX) {
			in->off = (int16_t)d;
		} else if (in->code == (MOAT_JMP | MOAT_JA)) {
			in->code = MOAT_JMP32 | MOAT_JA;
			in->imm = (int32_t)d;
		} else {
			return moat_error_insn(err, E2BIG, (long)f.insn,
					       "conditional jump of %lld instructions does not fit "
					       "the 16-bit offset",
					       (long long)d);
		}
	}
	return 0;
}

static int add_lines(struct moat_builder *b, struct moat_prog *p, struct moat_error *err)
{
	for (size_t i = 0; i < b->srcs.n; i++) {
		const struct src_pos *s = &b->srcs.v[i];
		if (!s->file || s->insn >= b->insns.n)
			continue;
		struct moat_line_info li = {.insn = (uint32_t)s->insn,
					    .line = s->line,
					    .col = s->col,
					    .file = s->file,
					    .text = s->text};
		int rc = moat_prog_add_line_info(p, &li, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct moat_prog *moat_builder_finish(struct moat_builder *b, const char *name,
				      struct moat_error *err)
{
	if (b->err) {
		moat_error_insn(err, b->err, (long)b->err_insn, "%s", b->err_msg);
		return NULL;
	}
	if (b->insns.n == 0) {
		moat_error_set(err, EINVAL, "the builder holds no instructions");
		return NULL;
	}
	if (resolve(b, err) < 0)
		return NULL;
	struct moat_prog *p = moat_prog_new(b->type, b->insns.v, b->insns.n, err);
	if (!p)
		return NULL;
	for (size_t i = 0; i < b->maps.n; i++) {
		if (moat_prog_add_map(p, b->maps.v[i], err) != (int)i)
			goto fail;
	}
	if (add_lines(b, p, err) < 0 || (name && moat_prog_set_name(p, name, err) < 0))
		goto fail;
	return p;
fail:
	moat_prog_free(p);
	return NULL;
}
