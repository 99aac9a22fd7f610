/*
 * The eBPF backend: the filter's classic program translated for an
 * offline MOAT_PROG_MEM run over struct moat_filter_pkt (filter.h has the
 * contract).  Unlike moat_cbpf_to_ebpf(), packet reads are direct loads
 * with explicit bounds checks, so the program needs no legacy LD_ABS
 * instructions and the JIT can hand out a plain native function.
 *
 * Registers: A = r0, X = r7, r6 = the moat_filter_pkt, r8 = caplen
 * clamped to snaplen, r9 and r2 scratch, M[i] at r10 - 64 + 4*i.  Every
 * load first checks `off + size <= caplen` and jumps to a shared
 * `return 0` otherwise (what classic BPF does); an indirect load also
 * checks the index against snaplen - size, a constant, so the verifier
 * can bound the pointer.  Loads that can never fit in snaplen return 0
 * outright.
 */
#include <errno.h>
#include <stdlib.h>

#include <moat/verify.h>

#include "compile/filter/filter_internal.h"

#define A MOAT_R0
#define X MOAT_R7
#define PKT MOAT_R6
#define CAP MOAT_R8
#define T1 MOAT_R9
#define T2 MOAT_R2
#define HDR ((int32_t)sizeof(struct moat_filter_pkt))
#define MEMOFF(k) ((int16_t)(-64 + 4 * (int)((k) & 15)))
#define REJECT ((size_t)-1)

struct eb {
	VEC(struct moat_insn) out;
	VEC(struct fixup { size_t at; size_t target; }) fix; /* target: classic index or REJECT */
	uint32_t snaplen;
	bool oom;
};

static void E(struct eb *b, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (vec_push(&b->out, MOAT_INSN(code, dst, src, off, imm)) < 0)
		b->oom = true;
}

/* A jump whose offset is patched once every classic instruction has a home. */
static void J(struct eb *b, uint8_t code, uint8_t dst, uint8_t src, int32_t imm, size_t target)
{
	struct fixup f = { b->out.n, target };
	if (vec_push(&b->fix, f) < 0)
		b->oom = true;
	E(b, code, dst, src, 0, imm);
}

static const uint8_t ldsize[5] = { 0, MOAT_B, MOAT_H, 0, MOAT_W };

/* dst = big-endian load of `size` bytes at packet offset `reg + k` (reg
 * NULL-like MOAT_R10 for absolute), with the classic bounds rule. */
static void load(struct eb *b, uint8_t dst, unsigned size, uint32_t k, bool indexed)
{
	if (!indexed) {
		if ((uint64_t)k + size > b->snaplen) {
			J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, REJECT);
			return;
		}
		J(b, MOAT_JMP | MOAT_JLT | MOAT_K, CAP, 0, (int32_t)(k + size), REJECT);
		if (k <= 32767u - (uint32_t)HDR) {
			E(b, MOAT_LDX | MOAT_MEM | ldsize[size], dst, PKT, (int16_t)(HDR + (int32_t)k), 0);
			if (size > 1)
				E(b, MOAT_ALU | MOAT_END | MOAT_TO_BE, dst, 0, 0, (int32_t)size * 8);
			return;
		}
		E(b, MOAT_ALU64 | MOAT_MOV | MOAT_X, T1, PKT, 0, 0);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_K, T1, 0, 0, HDR);
		if (k > 0x7fffffffu - (uint32_t)HDR)
			J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, REJECT);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_K, T1, 0, 0, (int32_t)k);
	} else {
		if (size > b->snaplen) {
			J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, REJECT);
			return;
		}
		E(b, MOAT_ALU | MOAT_MOV | MOAT_X, T1, X, 0, 0); /* zero-extended X */
		E(b, MOAT_ALU64 | MOAT_MOV | MOAT_K, T2, 0, 0, (int32_t)k);
		E(b, MOAT_ALU64 | MOAT_LSH | MOAT_K, T2, 0, 0, 32); /* k as unsigned 64-bit */
		E(b, MOAT_ALU64 | MOAT_RSH | MOAT_K, T2, 0, 0, 32);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_X, T1, T2, 0, 0);
		J(b, MOAT_JMP | MOAT_JGT | MOAT_K, T1, 0, (int32_t)(b->snaplen - size), REJECT);
		E(b, MOAT_ALU64 | MOAT_MOV | MOAT_X, T2, T1, 0, 0);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_K, T2, 0, 0, (int32_t)size);
		J(b, MOAT_JMP | MOAT_JGT | MOAT_X, T2, CAP, 0, REJECT);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_X, T1, PKT, 0, 0);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_K, T1, 0, 0, HDR);
	}
	E(b, MOAT_LDX | MOAT_MEM | ldsize[size], dst, T1, 0, 0);
	if (size > 1)
		E(b, MOAT_ALU | MOAT_END | MOAT_TO_BE, dst, 0, 0, (int32_t)size * 8);
}

static void ld(struct eb *b, const struct moat_cbpf_insn *in, uint8_t dst)
{
	unsigned size = (in->code & 0x18) == 0x10 ? 1 : (in->code & 0x18) == 0x08 ? 2 : 4;
	switch (in->code & 0xe0) {
	case 0x00: E(b, MOAT_ALU | MOAT_MOV | MOAT_K, dst, 0, 0, (int32_t)in->k); break;
	case 0x20: load(b, dst, size, in->k, false); break;
	case 0x40: load(b, dst, size, in->k, true); break;
	case 0x60: E(b, MOAT_LDX | MOAT_MEM | MOAT_W, dst, MOAT_R10, MEMOFF(in->k), 0); break;
	case 0x80: E(b, MOAT_LDX | MOAT_MEM | MOAT_W, dst, PKT, 4, 0); break;
	case 0xa0: /* X = 4 * (P[k] & 0xf) */
		load(b, X, 1, in->k, false);
		E(b, MOAT_ALU | MOAT_AND | MOAT_K, X, 0, 0, 0xf);
		E(b, MOAT_ALU | MOAT_LSH | MOAT_K, X, 0, 0, 2);
		break;
	}
}

static void alu(struct eb *b, const struct moat_cbpf_insn *in)
{
	uint8_t op = in->code & 0xf0;
	if (op == MOAT_NEG) {
		E(b, MOAT_ALU | MOAT_NEG, A, 0, 0, 0);
	} else if (in->code & 8) {
		if (op == MOAT_DIV || op == MOAT_MOD)
			J(b, MOAT_JMP | MOAT_JEQ | MOAT_K, X, 0, 0, REJECT);
		if (op == MOAT_LSH || op == MOAT_RSH) { /* classic semantics: >= 32 gives 0 */
			E(b, MOAT_JMP | MOAT_JLT | MOAT_K, X, 0, 2, 32);
			E(b, MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, 0);
			E(b, MOAT_JMP | MOAT_JA, 0, 0, 1, 0);
		}
		E(b, MOAT_ALU | op | MOAT_X, A, X, 0, 0);
	} else if ((op == MOAT_LSH || op == MOAT_RSH) && in->k >= 32) {
		E(b, MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, 0);
	} else {
		E(b, MOAT_ALU | op | MOAT_K, A, 0, 0, (int32_t)in->k);
	}
}

static void one(struct eb *b, const struct moat_cbpf_insn *in, size_t i)
{
	switch (in->code & 7) {
	case 0x00: ld(b, in, A); break;
	case 0x01: ld(b, in, X); break;
	case 0x02: E(b, MOAT_STX | MOAT_MEM | MOAT_W, MOAT_R10, A, MEMOFF(in->k), 0); break;
	case 0x03: E(b, MOAT_STX | MOAT_MEM | MOAT_W, MOAT_R10, X, MEMOFF(in->k), 0); break;
	case 0x04: alu(b, in); break;
	case 0x05:
		if ((in->code & 0xf0) == 0) {
			J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, i + 1 + in->k);
			break;
		}
		J(b, (uint8_t)(MOAT_JMP32 | (in->code & 0xf8)), A, (in->code & 8) ? X : 0,
		  (in->code & 8) ? 0 : (int32_t)in->k, i + 1 + in->jt);
		if (in->jf)
			J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, i + 1 + in->jf);
		break;
	case 0x06:
		if ((in->code & 0x18) != 0x10)
			E(b, MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, (int32_t)in->k);
		E(b, MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0);
		break;
	case 0x07:
		if (in->code & 0x80)
			E(b, MOAT_ALU | MOAT_MOV | MOAT_X, A, X, 0, 0);
		else
			E(b, MOAT_ALU | MOAT_MOV | MOAT_X, X, A, 0, 0);
		break;
	}
}

static struct moat_prog *translate(const struct moat_cbpf_insn *insns, size_t n,
				   uint32_t snaplen, struct moat_error *err)
{
	struct eb b = { .snaplen = snaplen };
	size_t *start = calloc(n + 1, sizeof(*start));
	struct moat_prog *prog = NULL;
	if (!start)
		goto oom;
	E(&b, MOAT_ALU64 | MOAT_MOV | MOAT_X, PKT, MOAT_R1, 0, 0);
	E(&b, MOAT_LDX | MOAT_MEM | MOAT_W, CAP, PKT, 0, 0);
	E(&b, MOAT_JMP | MOAT_JLE | MOAT_K, CAP, 0, 1, (int32_t)snaplen);
	E(&b, MOAT_ALU | MOAT_MOV | MOAT_K, CAP, 0, 0, (int32_t)snaplen);
	E(&b, MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, 0);
	E(&b, MOAT_ALU | MOAT_MOV | MOAT_K, X, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		start[i] = b.out.n;
		one(&b, &insns[i], i);
	}
	start[n] = b.out.n; /* the shared reject */
	E(&b, MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, 0);
	E(&b, MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0);
	if (b.oom)
		goto oom;
	for (size_t i = 0; i < b.fix.n; i++) {
		size_t t = b.fix.v[i].target == REJECT ? start[n] : start[b.fix.v[i].target];
		long off = (long)t - (long)b.fix.v[i].at - 1;
		if (off > 32767) {
			moat_error_set(err, E2BIG, "filter too large for eBPF jump offsets");
			goto out;
		}
		b.out.v[b.fix.v[i].at].off = (int16_t)off;
	}
	prog = moat_prog_new(MOAT_PROG_MEM, b.out.v, b.out.n, err);
	goto out;
oom:
	moat_error_set(err, ENOMEM, "out of memory");
out:
	free(start);
	vec_release(&b.out);
	vec_release(&b.fix);
	return prog;
}

struct moat_prog *moat_filter_ebpf(const struct moat_filter *f, struct moat_error *err)
{
	size_t n;
	const struct moat_cbpf_insn *insns = moat_filter_cbpf(f, &n);
	uint64_t mem_len = moat_filter_mem_len(f);
	struct moat_prog *prog = translate(insns, n, (uint32_t)(mem_len - HDR), err);
	if (!prog)
		return NULL;
	moat_prog_set_name(prog, "pcap_filter", NULL);
	MOAT_OPTS(moat_verify_opts, vo, .mem_len = mem_len);
	if (moat_verify(prog, &vo, NULL, err) < 0) {
		moat_error_prefix(err, "internal error: filter program fails verification");
		moat_prog_free(prog);
		return NULL;
	}
	return prog;
}
