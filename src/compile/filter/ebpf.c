/*
 * The eBPF backend: the filter's classic program translated for an
 * offline MOAT_PROG_MEM run over struct moat_filter_pkt (filter.h has the
 * contract).  Unlike moat_cbpf_to_ebpf(), packet reads are direct loads
 * with explicit bounds checks, so the program needs no legacy LD_ABS
 * instructions and the JIT can hand out a plain native function.
 *
 * Registers: A = r0, X = r3, r1 = the moat_filter_pkt, r4 = its caplen,
 * r5 and r2 scratch, M[i] at r10 - 64 + 4*i.  Only caller-saved registers,
 * so the JIT's native function saves nothing and opens a frame only when
 * the program uses M[].
 *
 * The analysis in ebpf_plan.c decides where bounds checks go and in which
 * byte order A is kept.  A load that needs more captured bytes than the
 * checks before it guarantee tests `caplen >= req` once, req covering
 * every later load on every path (a shorter packet is rejected there, as
 * classic BPF would reject it at its first load past the end); other
 * loads go unchecked.  An indirect load [x + k] also tests x + k + size
 * against caplen unless X's bound makes it covered, and against snaplen
 * unless X's bound proves it, so the verifier can bound the pointer.
 * Loads that can never fit in snaplen return 0 outright.  16- and 32-bit
 * loads whose value only meets equality and bit tests stay in memory
 * order, and the tests take byte-swapped constants.  caplen is never
 * clamped to snaplen: every test against it is of a length within
 * snaplen, where the two agree.
 */
#include <errno.h>
#include <stdlib.h>

#include <moat/verify.h>

#include "compile/filter/ebpf_internal.h"
#include "compile/filter/filter_internal.h"

#define A MOAT_R0
#define X MOAT_R3
#define PKT MOAT_R1
#define CAP MOAT_R4
#define T1 MOAT_R5
#define T2 MOAT_R2
#define HDR ((int32_t)sizeof(struct moat_filter_pkt))
#define MEMOFF(k) ((int16_t)(-64 + 4 * (int)((k) & 15)))
#define REJECT ((size_t)-1)

struct eb {
	VEC(struct moat_insn) out;
	VEC(struct fixup { size_t at; size_t target; }) fix; /* target: classic index or REJECT */
	const struct ebpf_plan *plan;
	const struct moat_cbpf_insn *insns;
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

/* The bounds test the plan puts at classic instruction i, if any. */
static void check(struct eb *b, size_t i)
{
	uint32_t k = b->plan->check[i];
	if (k == EBPF_NEVER)
		J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, REJECT);
	else if (k)
		J(b, MOAT_JMP | MOAT_JLT | MOAT_K, CAP, 0, (int32_t)k, REJECT);
}

/* dst = packet bytes [k, k + size), left in memory order when raw; the
 * bounds test is check()'s. */
static void load_abs(struct eb *b, uint8_t dst, unsigned size, uint32_t k, bool raw)
{
	if ((uint64_t)k + size > b->snaplen)
		return; /* check() rejected */
	if (k <= 32767u - (uint32_t)HDR) {
		E(b, MOAT_LDX | MOAT_MEM | ldsize[size], dst, PKT, (int16_t)(HDR + (int32_t)k), 0);
	} else {
		E(b, MOAT_ALU64 | MOAT_MOV | MOAT_X, T1, PKT, 0, 0);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_K, T1, 0, 0, HDR + (int32_t)k);
		E(b, MOAT_LDX | MOAT_MEM | ldsize[size], dst, T1, 0, 0);
	}
	if (size > 1 && !raw)
		E(b, MOAT_ALU | MOAT_END | MOAT_TO_BE, dst, 0, 0, (int32_t)size * 8);
}

/* dst = packet bytes [x + k, x + k + size) at instruction i: tests of x
 * against snaplen (for the verifier) and of x + k + size against caplen,
 * each left out when X's bound and the caplen known here prove it. */
static void load_ind(struct eb *b, size_t i, uint8_t dst, unsigned size, uint32_t k, bool raw)
{
	if ((uint64_t)k + size > b->snaplen)
		return; /* check() rejected */
	const struct ebpf_plan *p = b->plan;
	uint32_t end = k + size, known = p->check[i] ? p->check[i] : p->known[i];
	uint32_t xmax = p->xmax[i];
	E(b, MOAT_ALU | MOAT_MOV | MOAT_X, T1, X, 0, 0); /* zero-extended X */
	if (xmax > b->snaplen - end)
		J(b, MOAT_JMP | MOAT_JGT | MOAT_K, T1, 0, (int32_t)(b->snaplen - end), REJECT);
	if (xmax > known - end) {
		E(b, MOAT_ALU64 | MOAT_MOV | MOAT_X, T2, T1, 0, 0);
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_K, T2, 0, 0, (int32_t)end);
		J(b, MOAT_JMP | MOAT_JGT | MOAT_X, T2, CAP, 0, REJECT);
	}
	E(b, MOAT_ALU64 | MOAT_ADD | MOAT_X, T1, PKT, 0, 0);
	if (k <= 32767u - (uint32_t)HDR) {
		E(b, MOAT_LDX | MOAT_MEM | ldsize[size], dst, T1, (int16_t)(HDR + (int32_t)k), 0);
	} else {
		E(b, MOAT_ALU64 | MOAT_ADD | MOAT_K, T1, 0, 0, HDR + (int32_t)k);
		E(b, MOAT_LDX | MOAT_MEM | ldsize[size], dst, T1, 0, 0);
	}
	if (size > 1 && !raw)
		E(b, MOAT_ALU | MOAT_END | MOAT_TO_BE, dst, 0, 0, (int32_t)size * 8);
}

static void ld(struct eb *b, const struct moat_cbpf_insn *in, size_t i, uint8_t dst)
{
	unsigned size = ebpf_cbpf_size(in->code);
	bool raw = dst == A && b->plan->raw_loads;
	switch (in->code & 0xe0) {
	case 0x00: E(b, MOAT_ALU | MOAT_MOV | MOAT_K, dst, 0, 0, (int32_t)in->k); break;
	case 0x20: check(b, i); load_abs(b, dst, size, in->k, raw); break;
	case 0x40: check(b, i); load_ind(b, i, dst, size, in->k, raw); break;
	case 0x60: E(b, MOAT_LDX | MOAT_MEM | MOAT_W, dst, MOAT_R10, MEMOFF(in->k), 0); break;
	case 0x80: E(b, MOAT_LDX | MOAT_MEM | MOAT_W, dst, PKT, 4, 0); break;
	case 0xa0: /* X = 4 * (P[k] & 0xf) */
		check(b, i);
		if ((uint64_t)in->k + 1 > b->snaplen)
			break;
		load_abs(b, X, 1, in->k, false);
		E(b, MOAT_ALU | MOAT_AND | MOAT_K, X, 0, 0, 0xf);
		E(b, MOAT_ALU | MOAT_LSH | MOAT_K, X, 0, 0, 2);
		break;
	}
}

static uint32_t bswap16(uint32_t v) { return (v >> 8 & 0xff) | (v & 0xff) << 8; }
static uint32_t bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v & 0xff00) << 8 | v << 24;
}

/* The constant of instruction `in` as it meets A held in rep. */
static int32_t kfor(const struct moat_cbpf_insn *in, enum ebpf_arep rep)
{
	if (rep == AREP_RAW32)
		return (int32_t)bswap32(in->k);
	if (rep == AREP_RAW16) /* jeq with k > 0xffff stays unequal as it is */
		return (int32_t)((in->code & 0xf0) == MOAT_JEQ && in->k > 0xffff ? in->k
										 : bswap16(in->k & 0xffff));
	return (int32_t)in->k;
}

static void alu(struct eb *b, const struct moat_cbpf_insn *in, enum ebpf_arep rep)
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
		E(b, MOAT_ALU | op | MOAT_K, A, 0, 0, kfor(in, rep));
	}
}

/* Whether classic instruction t is `ret #k`; its k in *k. */
static bool is_ret_k(const struct eb *b, size_t t, uint32_t *k)
{
	if (t >= b->plan->n || b->insns[t].code != 0x06)
		return false;
	*k = b->insns[t].k;
	return true;
}

/*
 * A jeq/jset on a constant whose two targets are `ret #S` and `ret #0` (the
 * last test of most filters) becomes arithmetic instead of a branch, which
 * costs a misprediction whenever the traffic mixes both outcomes:
 *   v = A ^ k (jeq) or A & k (jset), zero-extended;
 *   v == 0 is (v - 1) >> 63, v != 0 is (-v) >> 63 (64-bit);
 *   r0 = that bit times S (a shift when S is a power of two).
 */
static bool select_ret(struct eb *b, const struct moat_cbpf_insn *in, size_t i, int32_t imm)
{
	uint8_t op = in->code & 0xf0;
	uint32_t kt, kf;
	if ((in->code & 8) || (op != MOAT_JEQ && op != MOAT_JSET) ||
	    !is_ret_k(b, i + 1 + in->jt, &kt) || !is_ret_k(b, i + 1 + in->jf, &kf) ||
	    (kt == 0) == (kf == 0) || (kt | kf) > INT32_MAX)
		return false;
	uint32_t s = kt | kf;
	bool accept_on_zero = (op == MOAT_JEQ) == (kt != 0);
	E(b, MOAT_ALU | (op == MOAT_JEQ ? MOAT_XOR : MOAT_AND) | MOAT_K, A, 0, 0, imm);
	if (accept_on_zero)
		E(b, MOAT_ALU64 | MOAT_SUB | MOAT_K, A, 0, 0, 1);
	else
		E(b, MOAT_ALU64 | MOAT_NEG, A, 0, 0, 0);
	E(b, MOAT_ALU64 | MOAT_RSH | MOAT_K, A, 0, 0, 63);
	if (s & (s - 1))
		E(b, MOAT_ALU64 | MOAT_MUL | MOAT_K, A, 0, 0, (int32_t)s);
	else if (s > 1)
		E(b, MOAT_ALU64 | MOAT_LSH | MOAT_K, A, 0, 0, __builtin_ctz(s));
	E(b, MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0);
	return true;
}

/* A conditional jump; when the true target is the next instruction it
 * branches on the negation to the false one instead. */
static void jump(struct eb *b, const struct moat_cbpf_insn *in, size_t i, enum ebpf_arep rep)
{
	uint8_t op = in->code & 0xf0, src = (in->code & 8) ? X : 0;
	int32_t imm = (in->code & 8) ? 0 : kfor(in, rep);
	if (select_ret(b, in, i, imm))
		return;
	if (in->jt == 0 && in->jf != 0 && op != MOAT_JSET) {
		uint8_t neg = op == MOAT_JEQ ? MOAT_JNE : op == MOAT_JGT ? MOAT_JLE : MOAT_JLT;
		J(b, (uint8_t)(MOAT_JMP32 | neg | (in->code & 8)), A, src, imm, i + 1 + in->jf);
		return;
	}
	J(b, (uint8_t)(MOAT_JMP32 | op | (in->code & 8)), A, src, imm, i + 1 + in->jt);
	if (in->jf)
		J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, i + 1 + in->jf);
}

static void one(struct eb *b, const struct moat_cbpf_insn *in, size_t i)
{
	enum ebpf_arep rep = (enum ebpf_arep)b->plan->arep[i];
	if (rep != AREP_NORMAL && ebpf_reads_a(in) && !ebpf_raw_ok(in, rep)) {
		E(b, MOAT_ALU | MOAT_END | MOAT_TO_BE, A, 0, 0, rep == AREP_RAW16 ? 16 : 32);
		rep = AREP_NORMAL;
	}
	switch (in->code & 7) {
	case 0x00: ld(b, in, i, A); break;
	case 0x01: ld(b, in, i, X); break;
	case 0x02: E(b, MOAT_STX | MOAT_MEM | MOAT_W, MOAT_R10, A, MEMOFF(in->k), 0); break;
	case 0x03: E(b, MOAT_STX | MOAT_MEM | MOAT_W, MOAT_R10, X, MEMOFF(in->k), 0); break;
	case 0x04: alu(b, in, rep); break;
	case 0x05:
		if ((in->code & 0xf0) == 0)
			J(b, MOAT_JMP | MOAT_JA, 0, 0, 0, i + 1 + in->k);
		else
			jump(b, in, i, rep);
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
	struct ebpf_plan plan;
	if (ebpf_plan_build(&plan, insns, n, snaplen) < 0) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	struct eb b = { .plan = &plan, .insns = insns, .snaplen = snaplen };
	size_t *start = calloc(n + 1, sizeof(*start));
	struct moat_prog *prog = NULL;
	if (!start)
		goto oom;
	E(&b, MOAT_LDX | MOAT_MEM | MOAT_W, CAP, PKT, 0, 0);
	E(&b, MOAT_ALU | MOAT_MOV | MOAT_K, A, 0, 0, 0);
	if (plan.uses_x)
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
	ebpf_plan_release(&plan);
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
