/*
 * Parser of the BPF conformance suite's .data files (format in
 * shared/conformance/bpf_conformance/README.md).  Sections are picked the
 * way the reference parser picks them: by substring of the `--` line, in a
 * fixed order.  The asm section is handed to moat_asm() with every other
 * line blanked, so assembler errors carry the .data file's line numbers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/asm.h>
#include <moat/conformance.h>

#include "util/cleanup.h"
#include "util/sbuf.h"
#include "util/vec.h"

enum section { S_NONE, S_ASM, S_RESULT, S_MEM, S_RAW, S_IGNORED, S_ERROR };

/* Substring -> section, tried in order (README: "picks the section by substring"). */
static const struct {
	const char *needle;
	enum section s;
} section_tab[] = {
	{ "asm", S_ASM },	  { "result", S_RESULT },	      { "mem", S_MEM },
	{ "raw", S_RAW },	  { "no register offset", S_IGNORED }, { " c", S_IGNORED },
	{ "error", S_ERROR },
};

struct cp {
	const char *path;
	int line;
	struct moat_error *err;
	struct sbuf asm_text; /* the whole file with non-asm lines blanked */
	bool has_asm, has_raw;
	VEC(struct moat_insn) raw;
	VEC(uint8_t) mem;
	struct sbuf error_text;
};

static int bad(struct cp *c, const char *what, const char *tok)
{
	return moat_error_at(c->err, EINVAL, c->path, c->line, 0, "%s: '%s'", what, tok);
}

static int hexbyte(const char *t, uint8_t *b)
{
	char *end;
	unsigned long v = strtoul(t, &end, 16);
	if (*end || !*t || v > 0xff || t[0] == '-' || t[0] == '+')
		return -1;
	*b = (uint8_t)v;
	return 0;
}

static int parse_u64(const char *t, uint64_t *v)
{
	char *end;
	errno = 0;
	if (t[0] == '-') {
		long long s = strtoll(t, &end, 0);
		*v = (uint64_t)s;
	} else {
		*v = strtoull(t, &end, 0);
	}
	return *end || errno || end == t ? -1 : 0;
}

/* One raw line: `0x<64-bit word>` or eight hex bytes in memory order. */
static int raw_line(struct cp *c, char *s)
{
	char *toks[9], *save = NULL;
	int nt = 0;
	for (char *t = strtok_r(s, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save))
		if (nt < 9)
			toks[nt++] = t;
		else
			return bad(c, "raw instruction has too many bytes", t);
	uint64_t w = 0;
	if (nt == 1) {
		if (parse_u64(toks[0], &w))
			return bad(c, "expected a 64-bit instruction word", toks[0]);
	} else if (nt == 8) {
		for (int k = 0; k < 8; k++) {
			uint8_t b;
			if (hexbyte(toks[k], &b))
				return bad(c, "expected a hex byte", toks[k]);
			w |= (uint64_t)b << (8 * k);
		}
	} else {
		return bad(c, "expected one 0x word or 8 hex bytes", toks[0]);
	}
	struct moat_insn i = MOAT_INSN((uint8_t)w, (w >> 8) & 0xf, (w >> 12) & 0xf,
				       (int16_t)(uint16_t)(w >> 16), (int32_t)(uint32_t)(w >> 32));
	return vec_push(&c->raw, i) ? moat_error_set(c->err, ENOMEM, "out of memory") : 0;
}

static int mem_line(struct cp *c, char *s)
{
	char *save = NULL;
	for (char *t = strtok_r(s, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		uint8_t b;
		if (hexbyte(t, &b))
			return bad(c, "expected a hex byte", t);
		if (vec_push(&c->mem, b))
			return moat_error_set(c->err, ENOMEM, "out of memory");
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

/* Handles one (comment-stripped) line of `sec`. */
static int section_line(struct cp *c, enum section sec, char *s, struct moat_conf_test *t)
{
	char *tr = trim(s);
	switch (sec) {
	case S_ASM: return 0; /* collected separately */
	case S_RAW: return *tr ? raw_line(c, tr) : 0;
	case S_MEM: return mem_line(c, tr);
	case S_RESULT:
		if (!*tr)
			return 0;
		t->has_result = true;
		return parse_u64(tr, &t->result) ? bad(c, "expected a result value", tr) : 0;
	case S_ERROR:
		if (*tr)
			sbuf_printf(&c->error_text, "%s%s", c->error_text.len ? "\n" : "", tr);
		return 0;
	case S_NONE:
		return *tr ? bad(c, "text outside any section", tr) : 0;
	case S_IGNORED: return 0;
	}
	return 0;
}

static int start_section(struct cp *c, const char *s, enum section *sec, struct moat_conf_test *t)
{
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(section_tab); k++) {
		if (!strstr(s, section_tab[k].needle))
			continue;
		*sec = section_tab[k].s;
		c->has_asm |= *sec == S_ASM;
		c->has_raw |= *sec == S_RAW;
		t->expect_error |= *sec == S_ERROR;
		return 0;
	}
	return moat_error_at(c->err, ENOTSUP, c->path, c->line, 0, "unknown section '%s'", s);
}

static int parse_lines(struct cp *c, char *text, struct moat_conf_test *t)
{
	enum section sec = S_NONE;
	char *rest = text, *ln;
	/* strsep keeps empty lines, so line numbers stay exact. */
	while ((ln = strsep(&rest, "\n")) != NULL) {
		c->line++;
		char *hash = strchr(ln, '#');
		if (hash)
			*hash = 0;
		bool head = strstr(ln, "--") != NULL;
		sbuf_printf(&c->asm_text, "%s\n", sec == S_ASM && !head ? ln : "");
		int e = head ? start_section(c, trim(ln), &sec, t) : section_line(c, sec, ln, t);
		if (e)
			return e;
	}
	return 0;
}

static int finish(struct cp *c, struct moat_conf_test *t)
{
	if (c->error_text.oom || c->asm_text.oom)
		return moat_error_set(c->err, ENOMEM, "out of memory");
	if (t->expect_error) {
		t->error_text = c->error_text.len ? sbuf_take(&c->error_text) : strdup("");
		if (!t->error_text)
			return moat_error_set(c->err, ENOMEM, "out of memory");
	}
	t->mem = c->mem.v;
	t->mem_len = c->mem.n;
	c->mem.v = NULL;
	if (c->has_raw) {
		t->insns = c->raw.v;
		t->n_insns = c->raw.n;
		c->raw.v = NULL;
		return 0;
	}
	if (!c->has_asm)
		return 0;
	if (moat_asm(sbuf_str(&c->asm_text), c->asm_text.len, c->path, &t->insns, &t->n_insns,
		     &t->asm_error) < 0) {
		t->asm_failed = true;
		t->insns = NULL;
		t->n_insns = 0;
	}
	return 0;
}

int moat_conf_test_load(const char *path, struct moat_conf_test *t, struct moat_error *err)
{
	memset(t, 0, sizeof(*t));
	moat_error_clear(&t->asm_error);
	MOAT_AUTO(fclose) FILE *f = fopen(path, "re");
	if (!f)
		return moat_error_set(err, errno, "%s: %s", path, strerror(errno));
	MOAT_AUTO(free) char *text = NULL;
	size_t cap = 0;
	ssize_t len = getdelim(&text, &cap, '\0', f);
	if (len < 0) {
		if (ferror(f))
			return moat_error_set(err, EIO, "%s: read error", path);
		len = 0;
		free(text);
		text = strdup("");
		if (!text)
			return moat_error_set(err, ENOMEM, "out of memory");
	}
	struct cp c = { .path = path, .err = err };
	int e = parse_lines(&c, text, t);
	if (!e)
		e = finish(&c, t);
	sbuf_release(&c.asm_text);
	sbuf_release(&c.error_text);
	vec_release(&c.raw);
	vec_release(&c.mem);
	if (e)
		moat_conf_test_release(t);
	return e;
}

void moat_conf_test_release(struct moat_conf_test *t)
{
	if (!t)
		return;
	free(t->insns);
	free(t->mem);
	free(t->error_text);
	memset(t, 0, sizeof(*t));
	moat_error_clear(&t->asm_error);
}
