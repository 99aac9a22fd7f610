/*
 * Disassembler.  decode() checks an instruction strictly (every field the
 * syntax cannot express must be zero) and classifies it; the two printers
 * turn the result into the conformance syntax or the llvm/kernel style.
 * Because decode() rejects everything the assembler cannot spell, printing
 * in the moat syntax and assembling again gives the same bytes; rejected
 * slots print as `.insn 0x...`, which the assembler also accepts.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/asm.h>

#include "engine/isa.h"
#include "util/cleanup.h"
#include "util/sbuf.h"

struct alu_ent {
	const char *n64, *n32;
	uint8_t op;
	int16_t off;
};
/* The llvm operator of each ALU entry, in isa.def order. */
static const char *const alu_llvm[] = { "+=", "-=", "*=", "/=", "s/=", "|=", "&=", "<<=", ">>=",
					"= -", "%=", "s%=", "^=", "=", "(s8)", "(s16)", "(s32)",
					"s>>=" };
static const struct alu_ent alu_tab[] = {
#define ALU(n64, n32, op, off, e64, e32) { #n64, #n32, op, off },
#include "engine/isa.def"
};
_Static_assert(MOAT_ARRAY_SIZE(alu_llvm) == MOAT_ARRAY_SIZE(alu_tab), "alu_llvm matches isa.def");

struct jmp_ent {
	const char *name;
	uint8_t op;
};
static const struct jmp_ent jmp_tab[] = {
#define JCOND(name, op, c64, c32) { #name, op },
#include "engine/isa.def"
};
/* The llvm comparison of each JCOND entry, in isa.def order. */
static const char *const jmp_llvm[] = { "==", ">", ">=", "&", "!=", "s>", "s>=", "<", "<=",
					"s<", "s<=" };
_Static_assert(MOAT_ARRAY_SIZE(jmp_llvm) == MOAT_ARRAY_SIZE(jmp_tab), "jmp_llvm matches isa.def");

struct size_ent {
	const char *suffix;
	uint8_t size;
	int bytes;
};
static const struct size_ent size_tab[] = {
#define MEMSIZE(suffix, size, bytes, type, stype) { #suffix, size, bytes },
#include "engine/isa.def"
};

static const struct {
	const char *name, *llvm;
	int32_t imm;
} atomic_tab[] = {
	{ "add", "+=", MOAT_ADD }, { "or", "|=", MOAT_OR },	       { "and", "&=", MOAT_AND },
	{ "xor", "^=", MOAT_XOR }, { "xchg", "xchg", MOAT_XCHG }, { "cmpxchg", "cmpxchg", MOAT_CMPXCHG },
};

enum form {
	F_ALU, F_NEG, F_MOVSX, F_END, F_LDDW, F_LDX, F_ST, F_STX, F_ATOMIC, F_JA, F_JA32,
	F_JCOND, F_CALL, F_CALL_LOCAL, F_CALL_RT, F_CALLX, F_EXIT, F_LDABS, F_LDIND,
};

struct dec {
	enum form f;
	bool is32, x; /* 32-bit variant; register source */
	int k;        /* index into the form's table */
	int slots;
	uint64_t imm64;
};

static const struct size_ent *size_of(uint8_t code)
{
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(size_tab); k++)
		if (size_tab[k].size == MOAT_SIZE(code))
			return &size_tab[k];
	return &size_tab[0];
}

static int dec_alu(const struct moat_insn *i, struct dec *d)
{
	uint8_t op = MOAT_OP(i->code);
	d->is32 = MOAT_CLASS(i->code) == MOAT_ALU;
	d->x = MOAT_SRC(i->code) == MOAT_X;
	if (op == MOAT_END) {
		d->f = F_END;
		if ((!d->is32 && d->x) || i->src || i->off ||
		    (i->imm != 16 && i->imm != 32 && i->imm != 64))
			return -1;
		return 0;
	}
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(alu_tab); k++) {
		if (alu_tab[k].op != op || alu_tab[k].off != i->off)
			continue;
		d->k = (int)k;
		if (op == MOAT_NEG) {
			d->f = F_NEG;
			return d->x || i->src || i->imm ? -1 : 0;
		}
		if (op == MOAT_MOV && i->off) {
			d->f = F_MOVSX;
			return !d->x || i->imm || (d->is32 && i->off == 32) ? -1 : 0;
		}
		d->f = F_ALU;
		return d->x ? (i->imm ? -1 : 0) : (i->src ? -1 : 0);
	}
	return -1;
}

static int dec_jmp(const struct moat_insn *i, struct dec *d)
{
	uint8_t op = MOAT_OP(i->code);
	bool j32 = MOAT_CLASS(i->code) == MOAT_JMP32;
	d->is32 = j32;
	d->x = MOAT_SRC(i->code) == MOAT_X;
	if (op == MOAT_JA) {
		d->f = j32 ? F_JA32 : F_JA;
		return d->x || i->dst || i->src || (j32 ? i->off : i->imm) ? -1 : 0;
	}
	if (op == MOAT_EXIT) {
		d->f = F_EXIT;
		return j32 || d->x || i->dst || i->src || i->off || i->imm ? -1 : 0;
	}
	if (op == MOAT_CALL) {
		if (j32 || i->off)
			return -1;
		if (d->x) {
			d->f = F_CALLX;
			return i->src || i->imm ? -1 : 0;
		}
		static const enum form calls[] = { F_CALL, F_CALL_LOCAL, F_CALL_RT };
		if (i->dst || i->src >= MOAT_ARRAY_SIZE(calls))
			return -1;
		d->f = calls[i->src];
		return 0;
	}
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(jmp_tab); k++) {
		if (jmp_tab[k].op != op)
			continue;
		d->f = F_JCOND;
		d->k = (int)k;
		return d->x ? (i->imm ? -1 : 0) : (i->src ? -1 : 0);
	}
	return -1;
}

static int dec_ld(const struct moat_insn *insns, size_t n, size_t at, struct dec *d)
{
	const struct moat_insn *i = &insns[at];
	uint8_t mode = MOAT_MODE(i->code);
	if (moat_is_lddw(i)) {
		d->f = F_LDDW;
		if (at + 1 >= n || i->src > MOAT_PSEUDO_MAP_VALUE || i->off)
			return -1;
		const struct moat_insn *h = &insns[at + 1];
		if (h->code || h->dst || h->src || h->off || (i->src == MOAT_PSEUDO_MAP_FD && h->imm))
			return -1;
		d->slots = 2;
		d->imm64 = (uint64_t)(uint32_t)i->imm | (uint64_t)(uint32_t)h->imm << 32;
		return 0;
	}
	if ((mode != MOAT_ABS && mode != MOAT_IND) || MOAT_SIZE(i->code) == MOAT_DW || i->dst ||
	    i->off)
		return -1;
	d->f = mode == MOAT_ABS ? F_LDABS : F_LDIND;
	return mode == MOAT_ABS && i->src ? -1 : 0;
}

static int dec_mem(const struct moat_insn *i, struct dec *d)
{
	uint8_t cls = MOAT_CLASS(i->code), mode = MOAT_MODE(i->code);
	if (cls == MOAT_LDX) {
		d->f = F_LDX;
		bool sx = mode == MOAT_MEMSX;
		return (mode != MOAT_MEM && !sx) || (sx && MOAT_SIZE(i->code) == MOAT_DW) || i->imm
			       ? -1 : 0;
	}
	if (cls == MOAT_ST) {
		d->f = F_ST;
		return mode != MOAT_MEM || i->src ? -1 : 0;
	}
	if (mode == MOAT_MEM) {
		d->f = F_STX;
		return i->imm ? -1 : 0;
	}
	if (mode != MOAT_ATOMIC || (MOAT_SIZE(i->code) != MOAT_W && MOAT_SIZE(i->code) != MOAT_DW))
		return -1;
	d->f = F_ATOMIC;
	d->is32 = MOAT_SIZE(i->code) == MOAT_W;
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(atomic_tab); k++) {
		int32_t base = atomic_tab[k].imm;
		d->k = (int)k;
		if (i->imm == base || (base < MOAT_XCHG && i->imm == (base | MOAT_FETCH)))
			return 0;
	}
	return -1;
}

/* Classifies insns[at]; -1 for an encoding the syntax cannot express. */
static int decode(const struct moat_insn *insns, size_t n, size_t at, struct dec *d)
{
	const struct moat_insn *i = &insns[at];
	*d = (struct dec){ .slots = 1 };
	if (i->dst > MOAT_R10 || i->src > MOAT_R10)
		return -1;
	switch (MOAT_CLASS(i->code)) {
	case MOAT_ALU:
	case MOAT_ALU64:
		return dec_alu(i, d);
	case MOAT_JMP:
	case MOAT_JMP32:
		return dec_jmp(i, d);
	case MOAT_LD:
		return dec_ld(insns, n, at, d);
	default:
		return dec_mem(i, d);
	}
}

/* Output cursor over the caller's buffer; truncates silently. */
struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->pos >= o->len)
		return;
	va_start(ap, fmt);
	int r = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->pos += (size_t)r;
}

/* The jump or call target: a label when the caller has one, else +N/-N. */
static const char *tgt(char *tmp, size_t len, const char *label, int32_t rel)
{
	if (label)
		return label;
	snprintf(tmp, len, "%+" PRId32, rel);
	return tmp;
}

static void print_moat(struct out *o, const struct moat_insn *i, const struct dec *d,
		       const char *label)
{
	char t[16];
	const char *sz = size_of(i->code)->suffix;
	switch (d->f) {
	case F_ALU:
	case F_MOVSX: {
		const char *name = d->is32 ? alu_tab[d->k].n32 : alu_tab[d->k].n64;
		if (d->x)
			put(o, "%s %%r%d, %%r%d", name, i->dst, i->src);
		else
			put(o, "%s %%r%d, %" PRId32, name, i->dst, i->imm);
		break;
	}
	case F_NEG: put(o, "%s %%r%d", d->is32 ? "neg32" : "neg", i->dst); break;
	case F_END:
		put(o, "%s%" PRId32 " %%r%d", !d->is32 ? "bswap" : d->x ? "be" : "le", i->imm, i->dst);
		break;
	case F_LDDW:
		if (i->src == MOAT_PSEUDO_MAP_FD)
			put(o, "lddw %%r%d, map %" PRId32, i->dst, i->imm);
		else if (i->src == MOAT_PSEUDO_MAP_VALUE)
			put(o, "lddw %%r%d, map_value %" PRId32 ", %" PRId32, i->dst, i->imm,
			    (int32_t)(d->imm64 >> 32));
		else
			put(o, "lddw %%r%d, 0x%" PRIx64, i->dst, d->imm64);
		break;
	case F_LDX:
		put(o, "ldx%s%s %%r%d, [%%r%d%+d]", MOAT_MODE(i->code) == MOAT_MEMSX ? "s" : "", sz,
		    i->dst, i->src, i->off);
		break;
	case F_ST: put(o, "st%s [%%r%d%+d], %" PRId32, sz, i->dst, i->off, i->imm); break;
	case F_STX: put(o, "stx%s [%%r%d%+d], %%r%d", sz, i->dst, i->off, i->src); break;
	case F_ATOMIC:
		put(o, "lock %s%s%s [%%r%d%+d], %%r%d",
		    atomic_tab[d->k].imm < MOAT_XCHG && (i->imm & MOAT_FETCH) ? "fetch " : "",
		    atomic_tab[d->k].name, d->is32 ? "32" : "", i->dst, i->off, i->src);
		break;
	case F_JA: put(o, "ja %s", tgt(t, sizeof(t), label, i->off)); break;
	case F_JA32: put(o, "ja32 %s", tgt(t, sizeof(t), label, i->imm)); break;
	case F_JCOND:
		put(o, "%s%s %%r%d, ", jmp_tab[d->k].name, d->is32 ? "32" : "", i->dst);
		if (d->x)
			put(o, "%%r%d, %s", i->src, tgt(t, sizeof(t), label, i->off));
		else
			put(o, "%" PRId32 ", %s", i->imm, tgt(t, sizeof(t), label, i->off));
		break;
	case F_CALL: put(o, "call %" PRId32, i->imm); break;
	case F_CALL_LOCAL: put(o, "call local %s", tgt(t, sizeof(t), label, i->imm)); break;
	case F_CALL_RT: put(o, "call runtime %" PRId32, i->imm); break;
	case F_CALLX: put(o, "call %%r%d", i->dst); break;
	case F_EXIT: put(o, "exit"); break;
	case F_LDABS: put(o, "ldabs%s %" PRId32, sz, i->imm); break;
	case F_LDIND: put(o, "ldind%s %%r%d, %" PRId32, sz, i->src, i->imm); break;
	}
}

/* `(r1 + 4)` / `(r1 - 8)` */
static void llvm_addr(struct out *o, int reg, int16_t off)
{
	put(o, "(r%d %c %d)", reg, off < 0 ? '-' : '+', off < 0 ? -(int)off : off);
}

static void llvm_atomic(struct out *o, const struct moat_insn *i, const struct dec *d)
{
	char rc = d->is32 ? 'w' : 'r';
	int bits = d->is32 ? 32 : 64;
	const char *name = atomic_tab[d->k].name;
	if (i->imm == MOAT_XCHG) {
		put(o, "%c%d = xchg%s_%d(r%d %c %d, %c%d)", rc, i->src, d->is32 ? "32" : "", bits,
		    i->dst, i->off < 0 ? '-' : '+', abs(i->off), rc, i->src);
	} else if (i->imm == MOAT_CMPXCHG) {
		put(o, "%c0 = cmpxchg%s_%d(r%d %c %d, %c0, %c%d)", rc, d->is32 ? "32" : "", bits,
		    i->dst, i->off < 0 ? '-' : '+', abs(i->off), rc, rc, i->src);
	} else if (i->imm & MOAT_FETCH) {
		put(o, "%c%d = atomic_fetch_%s((u%d *)", rc, i->src, name, bits);
		llvm_addr(o, i->dst, i->off);
		put(o, ", %c%d)", rc, i->src);
	} else {
		put(o, "lock *(u%d *)", bits);
		llvm_addr(o, i->dst, i->off);
		put(o, " %s %c%d", atomic_tab[d->k].llvm, rc, i->src);
	}
}

static void llvm_alu(struct out *o, const struct moat_insn *i, const struct dec *d)
{
	char rc = d->is32 ? 'w' : 'r';
	const char *op = alu_llvm[d->k];
	if (d->f == F_NEG)
		put(o, "%c%d = -%c%d", rc, i->dst, rc, i->dst);
	else if (d->f == F_MOVSX)
		put(o, "%c%d = %s%c%d", rc, i->dst, op, rc, i->src);
	else if (d->x)
		put(o, "%c%d %s %c%d", rc, i->dst, op, rc, i->src);
	else
		put(o, "%c%d %s %" PRId32, rc, i->dst, op, i->imm);
}

static void print_llvm(struct out *o, const struct moat_insn *i, const struct dec *d,
		       const char *label)
{
	char t[16], rc = d->is32 ? 'w' : 'r';
	const struct size_ent *sz = size_of(i->code);
	switch (d->f) {
	case F_ALU:
	case F_NEG:
	case F_MOVSX: llvm_alu(o, i, d); break;
	case F_END:
		put(o, "r%d = %s%" PRId32 " r%d", i->dst, !d->is32 ? "bswap" : d->x ? "be" : "le",
		    i->imm, i->dst);
		break;
	case F_LDDW:
		if (i->src == MOAT_PSEUDO_MAP_FD)
			put(o, "r%d = map[%" PRId32 "] ll", i->dst, i->imm);
		else if (i->src == MOAT_PSEUDO_MAP_VALUE)
			put(o, "r%d = map_value[%" PRId32 "] + %" PRId32 " ll", i->dst, i->imm,
			    (int32_t)(d->imm64 >> 32));
		else
			put(o, "r%d = 0x%" PRIx64 " ll", i->dst, d->imm64);
		break;
	case F_LDX:
		put(o, "r%d = *(%c%d *)", i->dst, MOAT_MODE(i->code) == MOAT_MEMSX ? 's' : 'u',
		    sz->bytes * 8);
		llvm_addr(o, i->src, i->off);
		break;
	case F_ST:
	case F_STX:
		put(o, "*(u%d *)", sz->bytes * 8);
		llvm_addr(o, i->dst, i->off);
		if (d->f == F_ST)
			put(o, " = %" PRId32, i->imm);
		else
			put(o, " = r%d", i->src);
		break;
	case F_ATOMIC: llvm_atomic(o, i, d); break;
	case F_JA: put(o, "goto %s", tgt(t, sizeof(t), label, i->off)); break;
	case F_JA32: put(o, "gotol %s", tgt(t, sizeof(t), label, i->imm)); break;
	case F_JCOND:
		put(o, "if %c%d %s ", rc, i->dst, jmp_llvm[d->k]);
		if (d->x)
			put(o, "%c%d", rc, i->src);
		else
			put(o, "%" PRId32, i->imm);
		put(o, " goto %s", tgt(t, sizeof(t), label, i->off));
		break;
	case F_CALL: put(o, "call %" PRId32, i->imm); break;
	case F_CALL_LOCAL: put(o, "call pc%s", tgt(t, sizeof(t), label, i->imm)); break;
	case F_CALL_RT: put(o, "call runtime %" PRId32, i->imm); break;
	case F_CALLX: put(o, "callx r%d", i->dst); break;
	case F_EXIT: put(o, "exit"); break;
	case F_LDABS: put(o, "r0 = *(u%d *)skb[%" PRId32 "]", sz->bytes * 8, i->imm); break;
	case F_LDIND:
		put(o, "r0 = *(u%d *)skb[r%d + %" PRId32 "]", sz->bytes * 8, i->src, i->imm);
		break;
	}
}

static uint64_t raw_word(const struct moat_insn *i)
{
	return (uint64_t)i->code | (uint64_t)i->dst << 8 | (uint64_t)i->src << 12 |
	       (uint64_t)(uint16_t)i->off << 16 | (uint64_t)(uint32_t)i->imm << 32;
}

static int disasm_one(const struct moat_insn *insns, size_t n, size_t at, enum moat_syntax syntax,
		      const char *label, char *buf, size_t buflen)
{
	struct out o = { buf, buflen, 0 };
	struct dec d;
	if (buflen)
		buf[0] = 0;
	if (at >= n)
		return -EINVAL;
	if (decode(insns, n, at, &d) < 0) {
		put(&o, ".insn 0x%016" PRIx64, raw_word(&insns[at]));
		return -EINVAL;
	}
	if (syntax == MOAT_SYNTAX_LLVM)
		print_llvm(&o, &insns[at], &d, label);
	else
		print_moat(&o, &insns[at], &d, label);
	return d.slots;
}

int moat_disasm_insn(const struct moat_insn *insns, size_t n, size_t i, enum moat_syntax syntax,
		     char *buf, size_t buflen)
{
	return disasm_one(insns, n, i, syntax, NULL, buf, buflen);
}

/* The slot a jump or local call at `at` lands on, or -1 if it has none. */
static long jump_target(const struct moat_insn *insns, size_t n, size_t at)
{
	struct dec d;
	if (decode(insns, n, at, &d) < 0)
		return -1;
	int64_t rel;
	if (d.f == F_JA || d.f == F_JCOND)
		rel = insns[at].off;
	else if (d.f == F_JA32 || d.f == F_CALL_LOCAL)
		rel = insns[at].imm;
	else
		return -1;
	int64_t to = (int64_t)at + 1 + rel;
	return to >= 0 && to <= (int64_t)n ? (long)to : -1;
}

/*
 * With labels, a first pass marks instruction boundaries (lddw takes two
 * slots) and the slots jumped to; only targets on a boundary (or one past
 * the end) get a label `L<slot>`, the rest keep their numeric offset so the
 * text still assembles to the same bytes.
 */
char *moat_disasm(const struct moat_insn *insns, size_t n, enum moat_syntax syntax, bool labels,
		  struct moat_error *err)
{
	MOAT_AUTO(free) uint8_t *mark = calloc(n + 1, 1); /* 1: boundary, 2: target */
	struct sbuf sb = { 0 };
	char line[128], name[32];
	if (!mark)
		goto oom;
	for (size_t i = 0; i < n;) {
		int r = disasm_one(insns, n, i, syntax, NULL, line, sizeof(line));
		mark[i] |= 1;
		i += r > 0 ? (size_t)r : 1;
	}
	mark[n] |= 1;
	for (size_t i = 0; labels && i < n; i++) {
		long to = (mark[i] & 1) ? jump_target(insns, n, i) : -1;
		if (to >= 0 && (mark[to] & 1))
			mark[to] |= 2;
	}
	for (size_t i = 0; i <= n;) {
		if (mark[i] & 2)
			sbuf_printf(&sb, "L%zu:\n", i);
		if (i == n)
			break;
		long to = labels ? jump_target(insns, n, i) : -1;
		if (to >= 0 && (mark[to] & 2))
			snprintf(name, sizeof(name), "L%ld", to);
		int r = disasm_one(insns, n, i, syntax, to >= 0 && (mark[to] & 2) ? name : NULL,
				   line, sizeof(line));
		sbuf_printf(&sb, "%s\n", line);
		i += r > 0 ? (size_t)r : 1;
	}
	char *s = sbuf_take(&sb);
	if (s)
		return s;
oom:
	sbuf_release(&sb);
	moat_error_set(err, ENOMEM, "out of memory");
	return NULL;
}
