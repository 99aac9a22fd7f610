/*
 * The public face of the filter compiler: moat_filter_compile() drives
 * lexer, parser/generator, IR lowering, optimizer and classic emission,
 * then checks the result with moat_cbpf_check() (re-validation at the
 * trust boundary).  Also the tcpdump -d listing, a small classic BPF
 * runner for tests, and link-type names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile/filter/filter_internal.h"
#include "util/sbuf.h"

struct moat_filter {
	struct moat_cbpf_insn *insns;
	size_t n;
	uint32_t snaplen;
};

static struct moat_filter *finish(struct ir *ir, struct ir_block *root, const struct fc *fc,
				  bool optimize, struct moat_error *err)
{
	struct moat_filter *f = calloc(1, sizeof(*f));
	if (!f) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	f->snaplen = fc->snaplen;
	if (optimize)
		root = ir_optimize(ir, root);
	if (!root) {
		moat_error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	if (optimize && !fc->protochain && !root->a && root->ret == 0) {
		moat_error_set(err, EINVAL, "expression rejects all packets");
		goto fail;
	}
	if (ir_emit_cbpf(ir, root, &f->insns, &f->n, err) < 0)
		goto fail;
	if (moat_cbpf_check(f->insns, f->n, false, err) < 0) {
		moat_error_prefix(err, "internal error: compiled filter fails the check");
		goto fail;
	}
	return f;
fail:
	moat_filter_free(f);
	return NULL;
}

struct moat_filter *moat_filter_compile(const char *expr, const struct moat_filter_opts *opts,
					struct moat_error *err)
{
	struct moat_error local;
	struct toks toks = { 0 };
	struct moat_filter *f = NULL;
	moat_error_clear(&local);
	struct fc fc = {
		.err = &local,
		.linktype = MOAT_OPTS_HAS(opts, moat_filter_opts, linktype) ? opts->linktype
									   : MOAT_DLT_EN10MB,
		.snaplen = MOAT_OPTS_HAS(opts, moat_filter_opts, snaplen) ? opts->snaplen : 0,
		.netmask = MOAT_OPTS_HAS(opts, moat_filter_opts, netmask)
				   ? opts->netmask
				   : MOAT_FILTER_NETMASK_UNKNOWN,
	};
	bool optimize = MOAT_OPTS_HAS(opts, moat_filter_opts, optimize) ? opts->optimize : true;
	if (!fc.snaplen)
		fc.snaplen = 262144;
	if (!fc.netmask) /* what MOAT_OPTS leaves unset: unknown, as the CLI passes it */
		fc.netmask = MOAT_FILTER_NETMASK_UNKNOWN;
	fc.ir = ir_new();
	if (!fc.ir) {
		moat_error_set(&local, ENOMEM, "out of memory");
		goto out;
	}
	if (flt_link_init(&fc) < 0 || flt_lex(expr ? expr : "", &toks, &local) < 0)
		goto out;
	struct ir_pred *p = flt_parse(&fc, toks.v, toks.n);
	if (!p)
		goto out;
	struct ir_block *root = ir_lower(fc.ir, p, ir_leaf(fc.ir, fc.snaplen), ir_leaf(fc.ir, 0));
	if (!root || ir_oom(fc.ir)) {
		moat_error_set(&local, ENOMEM, "out of memory");
		goto out;
	}
	f = finish(fc.ir, root, &fc, optimize, &local);
out:
	flt_toks_free(&toks);
	ir_free(fc.ir);
	if (!f && err)
		*err = local;
	return f;
}

void moat_filter_free(struct moat_filter *f)
{
	if (!f)
		return;
	free(f->insns);
	free(f);
}

const struct moat_cbpf_insn *moat_filter_cbpf(const struct moat_filter *f, size_t *n)
{
	*n = f->n;
	return f->insns;
}

uint64_t moat_filter_mem_len(const struct moat_filter *f)
{
	return MOAT_FILTER_MEM_LEN(f->snaplen);
}

char *moat_filter_listing(const struct moat_filter *f)
{
	struct sbuf b = { 0 };
	char line[128];
	for (size_t i = 0; i < f->n; i++) {
		moat_cbpf_disasm_insn(f->insns, f->n, i, line, sizeof(line));
		sbuf_printf(&b, "%s\n", line);
	}
	if (b.oom) {
		sbuf_release(&b);
		return NULL;
	}
	return b.s ? sbuf_take(&b) : strdup("");
}

static bool load(const uint8_t *p, uint32_t caplen, uint64_t off, unsigned size, uint32_t *v)
{
	if (off + size > caplen)
		return false;
	*v = size == 1 ? p[off] : size == 2 ? (uint32_t)p[off] << 8 | p[off + 1]
				      : (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
						(uint32_t)p[off + 2] << 8 | p[off + 3];
	return true;
}

static uint32_t alu(uint16_t op, uint32_t a, uint32_t b, bool *div0)
{
	switch (op) {
	case 0x00: return a + b;
	case 0x10: return a - b;
	case 0x20: return a * b;
	case 0x30: if (!b) *div0 = true; return b ? a / b : 0;
	case 0x90: if (!b) *div0 = true; return b ? a % b : 0;
	case 0x40: return a | b;
	case 0x50: return a & b;
	case 0xa0: return a ^ b;
	case 0x60: return b < 32 ? a << b : 0;
	case 0x70: return b < 32 ? a >> b : 0;
	case 0x80: return 0u - a;
	default: return 0;
	}
}

/* A plain classic BPF interpreter over checked programs (what bpf_filter does). */
uint32_t moat_filter_run(const struct moat_filter *f, const uint8_t *p, uint32_t caplen,
			 uint32_t wirelen)
{
	uint32_t A = 0, X = 0, M[16] = { 0 }, v;
	for (size_t pc = 0; pc < f->n; pc++) {
		const struct moat_cbpf_insn *in = &f->insns[pc];
		unsigned size = (in->code & 0x18) == 0x10 ? 1 : (in->code & 0x18) == 0x08 ? 2 : 4;
		bool div0 = false;
		switch (in->code & 7) {
		case 0x00: /* ld */
			switch (in->code & 0xe0) {
			case 0x00: A = in->k; break;
			case 0x20: if (!load(p, caplen, in->k, size, &A)) return 0; break;
			case 0x40: if (!load(p, caplen, (uint64_t)X + in->k, size, &A)) return 0; break;
			case 0x60: A = M[in->k & 15]; break;
			case 0x80: A = wirelen; break;
			}
			break;
		case 0x01: /* ldx */
			switch (in->code & 0xe0) {
			case 0x00: X = in->k; break;
			case 0x60: X = M[in->k & 15]; break;
			case 0x80: X = wirelen; break;
			case 0xa0: if (!load(p, caplen, in->k, 1, &v)) return 0; X = (v & 0xf) << 2; break;
			}
			break;
		case 0x02: M[in->k & 15] = A; break;
		case 0x03: M[in->k & 15] = X; break;
		case 0x04:
			A = alu(in->code & 0xf0, A, (in->code & 8) ? X : in->k, &div0);
			if (div0)
				return 0;
			break;
		case 0x05: {
			uint32_t b = (in->code & 8) ? X : in->k;
			bool c;
			switch (in->code & 0xf0) {
			case 0x00: pc += in->k; continue;
			case 0x10: c = A == b; break;
			case 0x20: c = A > b; break;
			case 0x30: c = A >= b; break;
			default: c = (A & b) != 0; break;
			}
			pc += c ? in->jt : in->jf;
			break;
		}
		case 0x06: return (in->code & 0x18) == 0x10 ? A : in->k;
		case 0x07: if (in->code & 0x80) A = X; else X = A; break;
		}
	}
	return 0;
}

static const struct { const char *name; int dlt; } linktypes[] = {
	{ "NULL", MOAT_DLT_NULL }, { "EN10MB", MOAT_DLT_EN10MB }, { "RAW", MOAT_DLT_RAW },
	{ "LOOP", MOAT_DLT_LOOP }, { "LINUX_SLL", MOAT_DLT_LINUX_SLL },
	{ "LINUX_SLL2", MOAT_DLT_LINUX_SLL2 }, { "IPV4", MOAT_DLT_IPV4 },
	{ "IPV6", MOAT_DLT_IPV6 },
};

int moat_filter_linktype_parse(const char *name, int *linktype, struct moat_error *err)
{
	if (!strncasecmp(name, "DLT_", 4))
		name += 4;
	for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (!strcasecmp(name, linktypes[i].name)) {
			*linktype = linktypes[i].dlt;
			return 0;
		}
	return moat_error_set(err, EINVAL, "unknown or unsupported link type '%s'", name);
}
