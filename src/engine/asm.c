/*
 * Assembler for the conformance suite's text syntax (see
 * shared/conformance/bpf_conformance/README.md, "Assembly syntax"):
 *
 *     mov32 %r0, 1            ldxw %r0, [%r1+4]        lock fetch add [%r10-8], %r1
 *     jsgt %r1, %r2, +3       call local func          .insn 0x0000000100000004
 *
 * One pass over the lines emits instructions and records label and map-name
 * references; a second pass resolves them.  The mnemonic tables come from
 * isa.def so the names match the disassembler and the interpreter.
 *
 * Maps are declared with `.map NAME TYPE key=K value=V entries=N [flags=F]`
 * and numbered in declaration order; `lddw %r1, map NAME` and
 * `lddw %r1, map_value NAME, OFF` carry that number.  moat_asm() only checks
 * and numbers the declarations; moat_asm_prog() (asm_map.c, with the
 * directive's parser) also creates the maps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <moat/asm.h>
#include <moat/map.h>

#include "engine/isa.h"
#include "util/cleanup.h"
#include "util/vec.h"
#include "engine/asm_internal.h"

struct alu_ent {
	const char *n64, *n32;
	uint8_t op;
	int16_t off;
};
static const struct alu_ent alu_tab[] = {
#define ALU(n64, n32, op, off, e64, e32) { #n64, #n32, op, off },
#include "engine/isa.def"
};

struct jmp_ent {
	const char *name;
	uint8_t op;
};
static const struct jmp_ent jmp_tab[] = {
#define JCOND(name, op, c64, c32) { #name, op },
#include "engine/isa.def"
};

struct size_ent {
	const char *suffix;
	uint8_t size;
};
static const struct size_ent size_tab[] = {
#define MEMSIZE(suffix, size, bytes, type, stype) { #suffix, size },
#include "engine/isa.def"
};

/* Atomic operations after `lock [fetch]`; imm is the operation code. */
static const struct {
	const char *name;
	int32_t imm;
	bool fetch_ok; /* may be preceded by "fetch" */
} atomic_tab[] = {
	{ "add", MOAT_ADD, true },   { "or", MOAT_OR, true },
	{ "and", MOAT_AND, true },   { "xor", MOAT_XOR, true },
	{ "xchg", MOAT_XCHG, false }, { "cmpxchg", MOAT_CMPXCHG, false },
};


int as_col(const struct lx *l)
{
	return (int)(l->p - l->bol) + 1;
}

void as_skip_ws(struct lx *l)
{
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\r'))
		l->p++;
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '$';
}

/* Map names start with a letter or '_', so `map 3` is an index and
 * `map counts` a name. */
bool as_is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Records an error at the cursor naming what is there ("got 'r11'"). */
int as_fail(struct as *a, const char *what)
{
	struct lx *l = &a->lx;
	as_skip_ws(l);
	if (l->p >= l->end)
		return moat_error_at(a->err, EINVAL, l->file, l->line, as_col(l),
				     "expected %s, got end of line", what);
	const char *q = l->p;
	if (is_word_char(*q) || *q == '%' || *q == '+' || *q == '-') {
		q++;
		while (q < l->end && is_word_char(*q))
			q++;
	} else {
		q++;
	}
	return moat_error_at(a->err, EINVAL, l->file, l->line, as_col(l), "expected %s, got '%.*s'",
			     what, (int)(q - l->p), l->p);
}

/* Reads a word (mnemonic or label) into *w and *n; false if none. */
bool as_word(struct lx *l, const char **w, size_t *n)
{
	as_skip_ws(l);
	const char *s = l->p;
	while (l->p < l->end && is_word_char(*l->p))
		l->p++;
	*w = s;
	*n = (size_t)(l->p - s);
	return *n > 0;
}

bool as_punct(struct lx *l, char c)
{
	as_skip_ws(l);
	if (l->p < l->end && *l->p == c) {
		l->p++;
		return true;
	}
	return false;
}

int as_expect(struct as *a, char c)
{
	char what[4] = { '\'', c, '\'', 0 };
	return as_punct(&a->lx, c) ? 0 : as_fail(a, what);
}

static int reg(struct as *a, uint8_t *r)
{
	struct lx *l = &a->lx;
	as_skip_ws(l);
	const char *s = l->p;
	if (l->end - s >= 3 && s[0] == '%' && s[1] == 'r' && s[2] >= '0' && s[2] <= '9') {
		int v = s[2] - '0';
		const char *q = s + 3;
		if (q < l->end && *q >= '0' && *q <= '9' && v == 1)
			v = 10 + (*q++ - '0');
		if ((q >= l->end || !is_word_char(*q)) && v <= 10) {
			l->p = q;
			*r = (uint8_t)v;
			return 0;
		}
	}
	return as_fail(a, "register");
}

/* A number: optional sign, decimal or 0x hex; magnitude in *mag. */
struct num {
	uint64_t mag;
	bool neg, hex;
};

static bool number(struct lx *l, struct num *n)
{
	as_skip_ws(l);
	const char *q = l->p;
	*n = (struct num){ 0 };
	if (q < l->end && (*q == '-' || *q == '+'))
		n->neg = *q++ == '-';
	if (l->end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
		n->hex = true, q += 2;
	const char *digits = q;
	for (; q < l->end; q++) {
		unsigned d;
		char c = *q;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (n->hex && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (n->hex && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		unsigned base = n->hex ? 16 : 10;
		if (n->mag > (UINT64_MAX - d) / base)
			return false;
		n->mag = n->mag * base + d;
	}
	if (q == digits || (q < l->end && is_word_char(*q)))
		return false;
	l->p = q;
	return true;
}

/* Parses an immediate in [lo, hi] of signed magnitude; hex may also spell
 * the unsigned two's-complement form up to `uhi` (0xffffffff for imm32). */
int as_num_in(struct as *a, int64_t lo, int64_t hi, uint64_t uhi, const char *what,
		  int64_t *v)
{
	struct lx save = a->lx;
	struct num n;
	if (!number(&a->lx, &n)) {
		a->lx = save;
		return as_fail(a, what);
	}
	if (n.neg && n.mag <= (uint64_t)-lo) {
		*v = (int64_t)(0 - n.mag);
		return 0;
	}
	if (!n.neg && n.mag <= (uint64_t)hi) {
		*v = (int64_t)n.mag;
		return 0;
	}
	if (!n.neg && n.hex && n.mag <= uhi) {
		*v = (int64_t)(n.mag - (uhi + 1)); /* wraps into the signed range */
		return 0;
	}
	a->lx = save;
	as_skip_ws(&a->lx);
	const char *q = a->lx.p + 1; /* past the sign or first digit */
	while (q < a->lx.end && is_word_char(*q))
		q++;
	return moat_error_at(a->err, EINVAL, a->lx.file, a->lx.line, as_col(&a->lx),
			     "%s out of range: '%.*s'", what, (int)(q - a->lx.p), a->lx.p);
}

static int imm32(struct as *a, int32_t *v)
{
	int64_t x;
	int r = as_num_in(a, INT32_MIN, INT32_MAX, UINT32_MAX, "32-bit immediate", &x);
	*v = (int32_t)x;
	return r;
}

/* 64-bit immediate of lddw: any int64, or an unsigned value up to 2^64-1. */
static int imm64(struct as *a, uint64_t *v)
{
	struct lx save = a->lx;
	struct num n;
	if (!number(&a->lx, &n) || (n.neg && n.mag > (uint64_t)1 << 63)) {
		a->lx = save;
		return as_fail(a, "64-bit immediate");
	}
	*v = n.neg ? 0 - n.mag : n.mag;
	return 0;
}

/* [%rN+OFF] or [%rN-OFF] or [%rN]. */
static int mem(struct as *a, uint8_t *r, int16_t *off)
{
	int e;
	if ((e = as_expect(a, '[')) || (e = reg(a, r)))
		return e;
	*off = 0;
	as_skip_ws(&a->lx);
	if (a->lx.p < a->lx.end && (*a->lx.p == '+' || *a->lx.p == '-')) {
		int64_t v;
		if ((e = as_num_in(a, INT16_MIN, INT16_MAX, 0, "16-bit offset", &v)))
			return e;
		*off = (int16_t)v;
	}
	return as_expect(a, ']');
}

static int emit(struct as *a, struct moat_insn i)
{
	return vec_push(&a->out, i) ? moat_error_set(a->err, ENOMEM, "out of memory") : 0;
}

/* Jump target: +N/-N relative to the next slot, or a label (patched later). */
static int target(struct as *a, bool in_imm, int16_t *off, int32_t *imm)
{
	struct lx *l = &a->lx;
	as_skip_ws(l);
	int64_t v;
	int e;
	if (l->p < l->end && (*l->p == '+' || *l->p == '-')) {
		if (in_imm)
			e = as_num_in(a, INT32_MIN, INT32_MAX, 0, "jump offset", &v);
		else
			e = as_num_in(a, INT16_MIN, INT16_MAX, 0, "jump offset", &v);
		*off = in_imm ? 0 : (int16_t)v;
		*imm = in_imm ? (int32_t)v : 0;
		return e;
	}
	struct fixup f = { .idx = a->out.n, .in_imm = in_imm, .line = l->line, .col = as_col(l) };
	if (!as_word(l, &f.name, &f.len) || (f.name[0] >= '0' && f.name[0] <= '9'))
		return as_fail(a, "jump target (+N, -N or label)");
	*off = 0;
	*imm = 0;
	return vec_push(&a->fixups, f) ? moat_error_set(a->err, ENOMEM, "out of memory") : 0;
}

/* A register or an immediate as the source operand; sets the X bit. */
static int src_operand(struct as *a, struct moat_insn *i)
{
	as_skip_ws(&a->lx);
	if (a->lx.p < a->lx.end && *a->lx.p == '%') {
		uint8_t r;
		int e = reg(a, &r);
		i->src = r & 0xf;
		i->code |= MOAT_X;
		return e;
	}
	return imm32(a, &i->imm);
}

bool as_eq(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(w, s, n);
}

/* Matches `prefix` + suffix-table entry; returns the size code or -1. */
static int sized(const char *w, size_t n, const char *prefix, bool no_dw)
{
	size_t pl = strlen(prefix);
	if (n <= pl || memcmp(w, prefix, pl))
		return -1;
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(size_tab); k++)
		if (as_eq(w + pl, n - pl, size_tab[k].suffix) && !(no_dw && size_tab[k].size == MOAT_DW))
			return size_tab[k].size;
	return -1;
}


/* add %r0, 1 / add32 / add64 / neg / movsx832 ... */
static int p_alu(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(alu_tab); k++) {
		const struct alu_ent *t = &alu_tab[k];
		size_t l64 = strlen(t->n64);
		bool is64 = as_eq(w, n, t->n64) ||
			    (t->off == 0 && n == l64 + 2 && !memcmp(w, t->n64, l64) &&
			     !memcmp(w + l64, "64", 2));
		bool is32 = as_eq(w, n, t->n32);
		if (!is64 && !is32)
			continue;
		bool movsx = t->op == MOAT_MOV && t->off;
		if (movsx && is32 && t->off == 32)
			continue; /* no 32-bit sign extension from 32 bits */
		i->code = (uint8_t)((is64 ? MOAT_ALU64 : MOAT_ALU) | t->op);
		i->off = t->off;
		uint8_t d;
		int e = reg(a, &d);
		i->dst = d & 0xf;
		if (e || t->op == MOAT_NEG)
			return e;
		if ((e = as_expect(a, ',')))
			return e;
		if (!movsx)
			return src_operand(a, i);
		i->code |= MOAT_X;
		e = reg(a, &d);
		i->src = d & 0xf;
		return e;
	}
	return NOMATCH;
}

/* le16/be32/bswap64/swap16 %dst */
static int p_end(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	static const struct {
		const char *prefix;
		uint8_t code;
	} forms[] = {
		{ "le", MOAT_ALU | MOAT_END | MOAT_TO_LE },
		{ "be", MOAT_ALU | MOAT_END | MOAT_TO_BE },
		{ "bswap", MOAT_ALU64 | MOAT_END | MOAT_TO_LE },
		{ "swap", MOAT_ALU64 | MOAT_END | MOAT_TO_LE },
	};
	static const char *const widths[] = { "16", "32", "64" };
	for (size_t f = 0; f < MOAT_ARRAY_SIZE(forms); f++) {
		size_t pl = strlen(forms[f].prefix);
		if (n != pl + 2 || memcmp(w, forms[f].prefix, pl))
			continue;
		for (size_t k = 0; k < MOAT_ARRAY_SIZE(widths); k++) {
			if (memcmp(w + pl, widths[k], 2))
				continue;
			uint8_t d;
			i->code = forms[f].code;
			i->imm = 16 << k;
			int e = reg(a, &d);
			i->dst = d & 0xf;
			return e;
		}
	}
	return NOMATCH;
}

/* ldx*, ldxs*, st*, stx*, ldabs*, ldind* */
static int p_mem(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	uint8_t r;
	int e, sz;
	if ((sz = sized(w, n, "ldxs", true)) >= 0 || (sz = sized(w, n, "ldx", false)) >= 0) {
		i->code = (uint8_t)(MOAT_LDX | sz | (w[3] == 's' ? MOAT_MEMSX : MOAT_MEM));
		e = reg(a, &r);
		i->dst = r & 0xf;
		if (e || (e = as_expect(a, ',')))
			return e;
		e = mem(a, &r, &i->off);
		i->src = r & 0xf;
		return e;
	}
	if ((sz = sized(w, n, "stx", false)) >= 0 || (sz = sized(w, n, "st", false)) >= 0) {
		bool x = w[2] == 'x';
		i->code = (uint8_t)((x ? MOAT_STX : MOAT_ST) | sz | MOAT_MEM);
		e = mem(a, &r, &i->off);
		i->dst = r & 0xf;
		if (e || (e = as_expect(a, ',')))
			return e;
		if (!x)
			return imm32(a, &i->imm);
		e = reg(a, &r);
		i->src = r & 0xf;
		return e;
	}
	if ((sz = sized(w, n, "ldabs", true)) >= 0) {
		i->code = (uint8_t)(MOAT_LD | MOAT_ABS | sz);
		return imm32(a, &i->imm);
	}
	if ((sz = sized(w, n, "ldind", true)) >= 0) {
		i->code = (uint8_t)(MOAT_LD | MOAT_IND | sz);
		e = reg(a, &r);
		i->src = r & 0xf;
		if (e || (e = as_expect(a, ',')))
			return e;
		return imm32(a, &i->imm);
	}
	return NOMATCH;
}

/* lock [fetch] add|or|and|xor[32] [%dst+off], %src; lock xchg|cmpxchg[32] */
static int p_lock(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	if (!as_eq(w, n, "lock"))
		return NOMATCH;
	struct lx save = a->lx;
	bool fetch = as_word(&a->lx, &w, &n) && as_eq(w, n, "fetch");
	if (!fetch)
		a->lx = save;
	save = a->lx;
	if (!as_word(&a->lx, &w, &n))
		return as_fail(a, "atomic operation");
	bool w32 = n > 2 && !memcmp(w + n - 2, "32", 2);
	size_t base = w32 ? n - 2 : n;
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(atomic_tab); k++) {
		if (!as_eq(w, base, atomic_tab[k].name) || (fetch && !atomic_tab[k].fetch_ok))
			continue;
		uint8_t r;
		i->code = (uint8_t)(MOAT_STX | MOAT_ATOMIC | (w32 ? MOAT_W : MOAT_DW));
		i->imm = atomic_tab[k].imm | (fetch ? MOAT_FETCH : 0);
		int e = mem(a, &r, &i->off);
		i->dst = r & 0xf;
		if (e || (e = as_expect(a, ',')))
			return e;
		e = reg(a, &r);
		i->src = r & 0xf;
		return e;
	}
	a->lx = save;
	return as_fail(a, "atomic operation (add, or, and, xor, xchg, cmpxchg)");
}

/* ja, ja32, jXX[32] */
static int p_jump(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	if (as_eq(w, n, "ja") || as_eq(w, n, "ja32")) {
		bool j32 = n == 4;
		i->code = (uint8_t)((j32 ? MOAT_JMP32 : MOAT_JMP) | MOAT_JA);
		return target(a, j32, &i->off, &i->imm);
	}
	bool j32 = n > 2 && !memcmp(w + n - 2, "32", 2);
	size_t base = j32 ? n - 2 : n;
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(jmp_tab); k++) {
		if (!as_eq(w, base, jmp_tab[k].name))
			continue;
		uint8_t d;
		int e;
		i->code = (uint8_t)((j32 ? MOAT_JMP32 : MOAT_JMP) | jmp_tab[k].op);
		e = reg(a, &d);
		i->dst = d & 0xf;
		if (e || (e = as_expect(a, ',')) || (e = src_operand(a, i)) || (e = as_expect(a, ',')))
			return e;
		int32_t imm = i->imm;
		e = target(a, false, &i->off, &imm);
		return e;
	}
	return NOMATCH;
}

/* call N | call local TARGET | call %rN | call runtime N | exit */
static int p_call(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	if (as_eq(w, n, "exit")) {
		i->code = MOAT_JMP | MOAT_EXIT;
		return 0;
	}
	if (!as_eq(w, n, "call"))
		return NOMATCH;
	i->code = MOAT_JMP | MOAT_CALL;
	as_skip_ws(&a->lx);
	if (a->lx.p < a->lx.end && *a->lx.p == '%') {
		uint8_t d;
		i->code |= MOAT_X;
		int e = reg(a, &d);
		i->dst = d & 0xf;
		return e;
	}
	struct lx save = a->lx;
	if (as_word(&a->lx, &w, &n) && as_eq(w, n, "local")) {
		i->src = MOAT_CALL_LOCAL;
		return target(a, true, &i->off, &i->imm);
	}
	if (n && as_eq(w, n, "runtime"))
		i->src = MOAT_CALL_KFUNC;
	else
		a->lx = save;
	return imm32(a, &i->imm);
}

/*
 * lddw %dst, IMM64 (two slots), or the map forms the loader resolves:
 * `lddw %dst, map N` (src 1, imm = map index) and
 * `lddw %dst, map_value N, OFF` (src 2, second imm = offset into the value).
 * N is an index or the name of a `.map` declaration (before or after).
 */
static int p_lddw(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	if (!as_eq(w, n, "lddw"))
		return NOMATCH;
	uint8_t d;
	uint64_t v = 0;
	int32_t idx, off = 0;
	int e = reg(a, &d);
	if (e || (e = as_expect(a, ',')))
		return e;
	struct lx save = a->lx;
	int src = !as_word(&a->lx, &w, &n) ? 0 : as_eq(w, n, "map") ? MOAT_PSEUDO_MAP_FD
			: as_eq(w, n, "map_value") ? MOAT_PSEUDO_MAP_VALUE : 0;
	a->slots = 2;
	if (!src) {
		a->lx = save;
		if ((e = imm64(a, &v)))
			return e;
		i[0] = MOAT_INSN(MOAT_LD | MOAT_IMM | MOAT_DW, d, 0, 0, (int32_t)(uint32_t)v);
		i[1] = MOAT_INSN(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
		return 0;
	}
	as_skip_ws(&a->lx);
	if (a->lx.p < a->lx.end && as_is_name_start(*a->lx.p)) {
		struct mapref mr = { .idx = a->out.n, .line = a->lx.line, .col = as_col(&a->lx) };
		as_word(&a->lx, &mr.name, &mr.len);
		if (vec_push(&a->maprefs, mr))
			return moat_error_set(a->err, ENOMEM, "out of memory");
		idx = 0; /* patched by resolve_maps() */
	} else if ((e = imm32(a, &idx))) {
		return e;
	}
	if (src == MOAT_PSEUDO_MAP_VALUE && ((e = as_expect(a, ',')) || (e = imm32(a, &off))))
		return e;
	i[0] = MOAT_INSN(MOAT_LD | MOAT_IMM | MOAT_DW, d, src, 0, idx);
	i[1] = MOAT_INSN(0, 0, 0, 0, off);
	return 0;
}

/* .insn 0xHEX64: one raw slot, low byte = opcode (as the raw sections). */
static int p_raw(struct as *a, const char *w, size_t n, struct moat_insn *i)
{
	if (!as_eq(w, n, ".insn"))
		return NOMATCH;
	struct lx save = a->lx;
	struct num v;
	if (!number(&a->lx, &v) || v.neg) {
		a->lx = save;
		return as_fail(a, "64-bit instruction word");
	}
	*i = MOAT_INSN((uint8_t)v.mag, (v.mag >> 8) & 0xf, (v.mag >> 12) & 0xf,
		       (int16_t)(uint16_t)(v.mag >> 16), (int32_t)(uint32_t)(v.mag >> 32));
	return 0;
}

typedef int (*parse_fn)(struct as *a, const char *w, size_t n, struct moat_insn *i);
static const parse_fn parsers[] = { p_alu, p_end, p_mem, p_lock, p_jump, p_call, p_lddw, p_raw,
				    as_p_map };

static int add_label(struct as *a, const char *w, size_t n, int c)
{
	for (size_t k = 0; k < a->labels.n; k++)
		if (a->labels.v[k].len == n && !memcmp(a->labels.v[k].name, w, n))
			return moat_error_at(a->err, EINVAL, a->lx.file, a->lx.line, c,
					     "label '%.*s' defined twice", (int)n, w);
	struct label lb = { w, n, a->out.n };
	return vec_push(&a->labels, lb) ? moat_error_set(a->err, ENOMEM, "out of memory") : 0;
}

/* One line: empty, `label:`, or an instruction, each with an optional comment. */
static int line(struct as *a)
{
	struct lx *l = &a->lx;
	const char *w;
	size_t n;
	as_skip_ws(l);
	if (l->p >= l->end)
		return 0;
	int c = as_col(l);
	if (!as_word(l, &w, &n))
		return as_fail(a, "instruction or label");
	if (as_punct(l, ':')) {
		int e = add_label(a, w, n, c);
		as_skip_ws(l);
		return e ? e : l->p < l->end ? as_fail(a, "end of line") : 0;
	}
	struct moat_insn i[2] = { 0 };
	a->slots = 1;
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(parsers); k++) {
		int e = parsers[k](a, w, n, i);
		if (e == NOMATCH)
			continue;
		if (e)
			return e;
		as_skip_ws(l);
		if (l->p < l->end)
			return as_fail(a, "end of line");
		if (a->slots) {
			const char *t = l->bol, *te = l->end;
			while (t < te && (*t == ' ' || *t == '\t'))
				t++;
			while (te > t && (te[-1] == ' ' || te[-1] == '\t' || te[-1] == '\r'))
				te--;
			struct srcline sl = { a->out.n, l->line, t, (size_t)(te - t) };
			if (vec_push(&a->lines, sl))
				return moat_error_set(a->err, ENOMEM, "out of memory");
		}
		for (int s = 0; s < a->slots; s++)
			if ((e = emit(a, i[s])))
				return e;
		return 0;
	}
	return moat_error_at(a->err, EINVAL, l->file, l->line, c, "unknown instruction '%.*s'",
			     (int)n, w);
}

static const struct label *find_label(const struct as *a, const char *w, size_t n)
{
	for (size_t k = 0; k < a->labels.n; k++)
		if (a->labels.v[k].len == n && !memcmp(a->labels.v[k].name, w, n))
			return &a->labels.v[k];
	return NULL;
}

/* Patches label references; `exit` names the first exit unless defined. */
static int resolve(struct as *a)
{
	for (size_t k = 0; k < a->fixups.n; k++) {
		const struct fixup *f = &a->fixups.v[k];
		const struct label *lb = find_label(a, f->name, f->len);
		size_t to = 0;
		bool found = lb != NULL;
		if (lb)
			to = lb->idx;
		for (size_t j = 0; !found && as_eq(f->name, f->len, "exit") && j < a->out.n; j++)
			if (a->out.v[j].code == (MOAT_JMP | MOAT_EXIT))
				to = j, found = true;
		if (!found)
			return moat_error_at(a->err, EINVAL, a->lx.file, f->line, f->col,
					     "undefined label '%.*s'", (int)f->len, f->name);
		int64_t rel = (int64_t)to - (int64_t)f->idx - 1;
		struct moat_insn *i = &a->out.v[f->idx];
		if (f->in_imm) {
			i->imm = (int32_t)rel;
		} else if (rel < INT16_MIN || rel > INT16_MAX) {
			return moat_error_at(a->err, ERANGE, a->lx.file, f->line, f->col,
					     "jump to '%.*s' is too far (%lld)", (int)f->len,
					     f->name, (long long)rel);
		} else {
			i->off = (int16_t)rel;
		}
	}
	return 0;
}

/* Patches the lddw instructions that name a map with its index. */
static int resolve_maps(struct as *a)
{
	for (size_t k = 0; k < a->maprefs.n; k++) {
		const struct mapref *r = &a->maprefs.v[k];
		size_t m = 0;
		while (m < a->maps.n && !(a->maps.v[m].len == r->len &&
					  !memcmp(a->maps.v[m].name, r->name, r->len)))
			m++;
		if (m == a->maps.n)
			return moat_error_at(a->err, EINVAL, a->lx.file, r->line, r->col,
					     "undefined map '%.*s' (declare it with .map)",
					     (int)r->len, r->name);
		a->out.v[r->idx].imm = (int32_t)m;
	}
	return 0;
}

void as_release(struct as *a)
{
	vec_release(&a->out);
	vec_release(&a->labels);
	vec_release(&a->fixups);
	vec_release(&a->maps);
	vec_release(&a->maprefs);
	vec_release(&a->lines);
}

/* Both passes over the source; on success a->out holds the instructions and
 * a->maps the declarations.  The caller releases a with as_release(). */
int as_assemble(struct as *a, const char *src, size_t len, const char *file)
{
	const char *p = src, *end = src + len;
	int e = 0;
	for (int ln = 1; !e && p < end; ln++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *cm = p;
		while (cm < eol && *cm != '#' && *cm != ';')
			cm++;
		a->lx = (struct lx){ .file = file, .bol = p, .p = p, .end = cm, .line = ln };
		e = line(a);
		p = nl ? nl + 1 : end;
	}
	if (!e)
		e = resolve(a);
	if (!e)
		e = resolve_maps(a);
	return e;
}

int moat_asm(const char *src, size_t len, const char *file, struct moat_insn **insns, size_t *n,
	     struct moat_error *err)
{
	struct as a = { .lx = { .file = file }, .err = err };
	*insns = NULL;
	*n = 0;
	int e = as_assemble(&a, src, len, file);
	if (e) {
		as_release(&a);
		return e;
	}
	*insns = a.out.v;
	*n = a.out.n;
	a.out.v = NULL;
	as_release(&a);
	if (!*insns) /* an empty program is still a valid (empty) array */
		*insns = calloc(1, sizeof(**insns));
	return *insns ? 0 : moat_error_set(err, ENOMEM, "out of memory");
}
