/*
 * The predicate IR and its optimizer, without pcap syntax: hash-consing,
 * constant folding, canonical tests, lowering, jump threading over known
 * facts, tail merging, register reuse and long jumps in the emitter.
 * Every emitted program must pass moat_cbpf_check().
 */
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>
#include "compile/ir/ir.h"
#include "tap.h"

static struct moat_cbpf_insn *emit(struct ir *ir, struct ir_block *root, size_t *n, bool opt)
{
	struct moat_error e;
	struct moat_cbpf_insn *out = NULL;
	if (opt)
		root = ir_optimize(ir, root);
	if (ir_emit_cbpf(ir, root, &out, n, &e) < 0)
		return NULL;
	if (moat_cbpf_check(out, *n, false, &e) < 0) {
		diag("emitted program fails the check: %s", e.msg);
		free(out);
		return NULL;
	}
	return out;
}

static void test_values(void)
{
	struct ir *ir = ir_new();
	struct ir_val *a = ir_load(ir, 2, 12, NULL), *b = ir_load(ir, 2, 12, NULL);
	ok(a && a == b, "equal loads are one value");
	ok(ir_load(ir, 2, 14, NULL) != a, "different offsets differ");
	uint32_t k = 0;
	ok(ir_val_const(ir_bin(ir, IR_ADD, ir_const(ir, 2), ir_const(ir, 3)), &k) && k == 5,
	   "2 + 3 folds to 5");
	ok(ir_val_const(ir_bin(ir, IR_LSH, ir_const(ir, 1), ir_const(ir, 40)), &k) && k == 0,
	   "shift by 40 folds to 0 as classic BPF computes it");
	ok(ir_bin(ir, IR_DIV, a, ir_const(ir, 0)) == NULL, "division by constant zero refused");
	ok(ir_bin(ir, IR_ADD, a, ir_const(ir, 0)) == a, "a + 0 is a");
	ok(ir_bin(ir, IR_AND, a, ir_const(ir, 0xffffffff)) == a, "a & ~0 is a");
	struct ir_val *idx = ir_load(ir, 1, 0, ir_const(ir, 4));
	ok(idx == ir_load(ir, 1, 4, NULL), "a constant index becomes an absolute load");
	ir_free(ir);
}

static void test_tests(void)
{
	struct ir *ir = ir_new();
	struct ir_block *yes = ir_leaf(ir, 1), *no = ir_leaf(ir, 0);
	struct ir_val *b = ir_load(ir, 1, 0, NULL);
	ok(ir_test(ir, b, IR_JEQ, ir_const(ir, 0x100), yes, no) == no, "byte == 0x100 is false");
	ok(ir_test(ir, b, IR_JGT, ir_const(ir, 0xff), yes, no) == no, "byte > 0xff is false");
	ok(ir_test(ir, ir_const(ir, 3), IR_JGT, ir_const(ir, 2), yes, no) == yes, "3 > 2 is true");
	ok(ir_test(ir, b, IR_JEQ, ir_const(ir, 1), yes, yes) == yes, "equal arms fold");
	struct ir_val *m = ir_bin(ir, IR_AND, b, ir_const(ir, 0x0f));
	struct ir_block *t = ir_test(ir, m, IR_JEQ, ir_const(ir, 0), yes, no);
	ok(t && t->a == b && t->rel == IR_JSET && t->b->k == 0x0f && t->jt == no,
	   "(v & m) == 0 becomes jset m with swapped arms");
	ok(ir_test(ir, m, IR_JEQ, ir_const(ir, 0x10), yes, no) == no, "(v & 0xf) == 0x10 is false");
	ok(ir_test(ir, b, IR_JEQ, ir_const(ir, 7), yes, no) ==
		   ir_test(ir, b, IR_JEQ, ir_const(ir, 7), yes, no),
	   "equal blocks are shared");
	ir_free(ir);
}

/* v == 1 or v == 2 ... : the threading must not re-test v on known paths. */
static void test_threading(void)
{
	struct ir *ir = ir_new();
	struct ir_val *v = ir_load(ir, 2, 12, NULL), *w = ir_load(ir, 1, 23, NULL);
	struct ir_pred *ip = ir_atom_k(ir, v, IR_JEQ, 0x800), *ip6 = ir_atom_k(ir, v, IR_JEQ, 0x86dd);
	struct ir_pred *p = ir_and(ir, ip, ir_and(ir, ip, ir_or(ir, ip6, ir_atom_k(ir, w, IR_JEQ, 6))));
	struct ir_block *root = ir_lower(ir, p, ir_leaf(ir, 1), ir_leaf(ir, 0));
	size_t n1 = 0, n2 = 0;
	struct moat_cbpf_insn *u = emit(ir, root, &n1, false);
	struct moat_cbpf_insn *o = emit(ir, root, &n2, true);
	ok(u && o, "both programs emitted and checked");
	/* ldh [12]; jeq 0x800; ldb [23]; jeq 6; ret 1; ret 0 */
	is_int(n2, 6, "ip and ip and (ip6 or proto 6) optimizes to 6 instructions (from %zu)", n1);
	ok(o && o[0].code == 0x28 && o[2].code == 0x30, "the second ip test and ip6 test are gone");
	free(u);
	free(o);

	/* facts through ranges: v > 10 implies v != 5 and v > 3 */
	struct ir_pred *q = ir_and(ir, ir_atom_k(ir, v, IR_JGT, 10),
				   ir_and(ir, ir_not(ir, ir_atom_k(ir, v, IR_JEQ, 5)),
					  ir_atom_k(ir, v, IR_JGT, 3)));
	root = ir_optimize(ir, ir_lower(ir, q, ir_leaf(ir, 1), ir_leaf(ir, 0)));
	ok(root && root->a == v && !root->jt->a && !root->jf->a, "range facts decide both later tests");
	/* jset facts: v & 0x1fff != 0 implies v & 0xffff != 0 */
	q = ir_and(ir, ir_atom_k(ir, v, IR_JSET, 0x1fff), ir_atom_k(ir, v, IR_JSET, 0xffff));
	root = ir_optimize(ir, ir_lower(ir, q, ir_leaf(ir, 1), ir_leaf(ir, 0)));
	ok(root && !root->jt->a, "jset subset fact decides the wider jset");
	/* (s == a or d == a) or (s == b or d == b): grouped by value, two loads */
	struct ir_val *sv = ir_load(ir, 4, 26, NULL), *dv = ir_load(ir, 4, 30, NULL);
	q = ir_or(ir, ir_or(ir, ir_atom_k(ir, sv, IR_JEQ, 1), ir_atom_k(ir, dv, IR_JEQ, 1)),
		  ir_or(ir, ir_atom_k(ir, sv, IR_JEQ, 2), ir_atom_k(ir, dv, IR_JEQ, 2)));
	size_t n3 = 0;
	o = emit(ir, ir_lower(ir, q, ir_leaf(ir, 1), ir_leaf(ir, 0)), &n3, true);
	int loads = 0;
	for (size_t i = 0; o && i < n3; i++)
		loads += o[i].code == 0x20;
	is_int(loads, 2, "an or-chain over two addresses loads each once");
	free(o);
	ir_free(ir);
}

static void test_emitter(void)
{
	struct ir *ir = ir_new();
	struct ir_val *x = ir_msh(ir, 14);
	struct ir_val *s = ir_load(ir, 2, 14, x), *d = ir_load(ir, 2, 16, x);
	struct ir_pred *p = ir_or(ir, ir_atom_k(ir, s, IR_JEQ, 80), ir_atom_k(ir, d, IR_JEQ, 80));
	size_t n = 0;
	struct moat_cbpf_insn *o = emit(ir, ir_lower(ir, p, ir_leaf(ir, 1), ir_leaf(ir, 0)), &n, true);
	int msh = 0;
	for (size_t i = 0; o && i < n; i++)
		msh += o[i].code == 0xb1;
	is_int(msh, 1, "X = 4*(P[14]&0xf) loaded once for both ports");
	free(o);

	/* A OP X where both sides need X: scratch memory */
	struct ir_val *l = ir_load(ir, 1, 0, ir_load(ir, 1, 1, NULL));
	struct ir_val *r = ir_load(ir, 1, 2, ir_load(ir, 1, 3, NULL));
	p = ir_atom(ir, ir_bin(ir, IR_ADD, l, r), IR_JEQ, ir_load(ir, 1, 4, ir_load(ir, 1, 5, NULL)));
	o = emit(ir, ir_lower(ir, p, ir_leaf(ir, 1), ir_leaf(ir, 0)), &n, true);
	ok(o != NULL, "nested indexed loads emit and check");
	free(o);

	/* a long chain forces jumps beyond 255 through ja */
	struct ir_pred *chain = ir_atom_k(ir, ir_load(ir, 4, 0, NULL), IR_JEQ, 0);
	for (uint32_t i = 1; i < 300; i++)
		chain = ir_and(ir, chain, ir_atom_k(ir, ir_load(ir, 4, 4 * i, NULL), IR_JEQ, i));
	o = emit(ir, ir_lower(ir, chain, ir_leaf(ir, 1), ir_leaf(ir, 0)), &n, true);
	int ja = 0;
	for (size_t i = 0; o && i < n; i++)
		ja += o[i].code == 0x05;
	ok(o && n > 600 && ja > 0, "%zu instructions with %d long jumps pass the check", n, ja);
	free(o);
	ir_free(ir);
}

/* Rebased tails, word combining and the unrolled protochain walk. */
static void test_size(void)
{
	struct ir *ir = ir_new();
	struct ir_block *yes = ir_leaf(ir, 1), *no = ir_leaf(ir, 0);
	/* port 80 over IPv4 ([x+14], x = 4*(P[14]&0xf)) or IPv6 ([54]) */
	struct ir_val *x = ir_msh(ir, 14);
	struct ir_pred *v4 = ir_and(ir, ir_atom_k(ir, ir_load(ir, 1, 23, NULL), IR_JEQ, 6),
		ir_or(ir, ir_atom_k(ir, ir_load(ir, 2, 14, x), IR_JEQ, 80),
		      ir_atom_k(ir, ir_load(ir, 2, 16, x), IR_JEQ, 80)));
	struct ir_pred *v6 = ir_and(ir, ir_atom_k(ir, ir_load(ir, 1, 20, NULL), IR_JEQ, 6),
		ir_or(ir, ir_atom_k(ir, ir_load(ir, 2, 54, NULL), IR_JEQ, 80),
		      ir_atom_k(ir, ir_load(ir, 2, 56, NULL), IR_JEQ, 80)));
	struct ir_val *et = ir_load(ir, 2, 12, NULL);
	struct ir_pred *p = ir_or(ir, ir_and(ir, ir_atom_k(ir, et, IR_JEQ, 0x800), v4),
				  ir_and(ir, ir_atom_k(ir, et, IR_JEQ, 0x86dd), v6));
	size_t n = 0;
	struct moat_cbpf_insn *o = emit(ir, ir_lower(ir, p, yes, no), &n, true);
	int ldh = 0, ldx40 = 0;
	for (size_t i = 0; o && i < n; i++) {
		ldh += o[i].code == 0x48 || o[i].code == 0x28;
		ldx40 += o[i].code == 0x01 && o[i].k == 40;
	}
	ok(o && ldx40 == 1 && ldh == 3, "IPv6 ports rebased onto the IPv4 tail: ldx #40, %d halfword loads, %zu insns",
	   ldh, n);
	free(o);

	/* ldh [14] == 0xfefe and ldb [17] == 0x83: one masked word */
	p = ir_and(ir, ir_atom_k(ir, ir_load(ir, 2, 14, NULL), IR_JEQ, 0xfefe),
		   ir_atom_k(ir, ir_load(ir, 1, 17, NULL), IR_JEQ, 0x83));
	o = emit(ir, ir_lower(ir, p, yes, no), &n, true);
	ok(o && n == 5 && o[0].code == 0x20 && o[0].k == 14 && o[1].k == 0xffff00ff &&
	   o[2].k == 0xfefe0083, "two adjacent tests become ld [14] & 0xffff00ff == 0xfefe0083");
	free(o);
	/* the word ends on the farther byte: bytes 14, 15 are ldh [14] */
	p = ir_and(ir, ir_atom_k(ir, ir_load(ir, 1, 14, NULL), IR_JEQ, 1),
		   ir_atom_k(ir, ir_load(ir, 1, 15, NULL), IR_JEQ, 2));
	o = emit(ir, ir_lower(ir, p, yes, no), &n, true);
	ok(o && n == 4 && o[0].code == 0x28 && o[0].k == 14 && o[1].k == 0x0102,
	   "bytes 14 and 15 become ldh [14] == 0x0102");
	free(o);
	/* bytes 0 and 5 are too far apart for one word */
	p = ir_and(ir, ir_atom_k(ir, ir_load(ir, 1, 0, NULL), IR_JEQ, 1),
		   ir_atom_k(ir, ir_load(ir, 1, 5, NULL), IR_JEQ, 2));
	o = emit(ir, ir_lower(ir, p, yes, no), &n, true);
	ok(o && n == 6, "bytes 0 and 5 stay two tests");
	free(o);
	/* nor when the first test's false arm accepts: a short packet would differ */
	p = ir_or(ir, ir_not(ir, ir_atom_k(ir, ir_load(ir, 2, 14, NULL), IR_JEQ, 0xfefe)),
		  ir_atom_k(ir, ir_load(ir, 1, 17, NULL), IR_JEQ, 0x83));
	o = emit(ir, ir_lower(ir, p, yes, no), &n, true);
	ok(o && n == 6, "a test whose false arm accepts is not combined");
	free(o);

	/* the protochain walk: forward jumps only, one value per family */
	struct ir_val *c6 = ir_chain(ir, 6, 14, 17);
	ok(c6 == ir_chain(ir, 6, 14, 17) && c6 != ir_chain(ir, 4, 14, 17), "chain values are hash-consed");
	o = emit(ir, ir_lower(ir, ir_atom_k(ir, c6, IR_JEQ, 17), yes, no), &n, true);
	ok(o && n == 2 + 17 * IR_CHAIN_DEPTH6 + 3, "IPv6 walk: %zu instructions, 17 per header", n);
	free(o);
	ir_free(ir);
}

int main(void)
{
	test_values();
	test_tests();
	test_threading();
	test_emitter();
	test_size();
	return tap_done();
}
