/*
 * The predicate IR shared by the packet-filter and firewall compilers.
 *
 * Three layers, all owned by one struct ir (freed together):
 *
 *  - values (struct ir_val): expressions over the packet, hash-consed so two
 *    equal expressions are the same pointer: constants, loads of 1/2/4
 *    big-endian bytes at a constant offset plus an optional index value,
 *    the packet length, the IPv4 header length idiom 4*(P[k]&0xf), and the
 *    ALU operators of classic BPF, and the protocol a header chain walk
 *    ends on (IR_CHAIN, see ir_chain).  Constant operands are folded.
 *
 *  - predicates (struct ir_pred): and/or/not trees over atoms `a REL b`
 *    (REL one of ==, >, >=, & != 0), as front ends build them;
 *
 *  - blocks (struct ir_block): the control-flow DAG a predicate lowers to.
 *    Each block tests one atom and goes to jt or jf; leaves return a
 *    constant.  Blocks are hash-consed too, so equal subgraphs are shared.
 *
 * ir_optimize() rewrites the DAG (see opt.c), ir_emit_cbpf() linearizes it
 * to classic BPF.  Nothing here knows pcap-filter syntax or protocols.
 */
#ifndef MOAT_COMPILE_IR_H
#define MOAT_COMPILE_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <moat/cbpf.h>
#include <moat/error.h>

enum ir_vkind { IR_CONST, IR_LOAD, IR_LEN, IR_MSH, IR_BIN, IR_NEG, IR_CHAIN };

/* ALU operators use classic BPF's operation codes (BPF_ADD = 0x00 ...). */
enum ir_op {
	IR_ADD = 0x00, IR_SUB = 0x10, IR_MUL = 0x20, IR_DIV = 0x30, IR_OR = 0x40,
	IR_AND = 0x50, IR_LSH = 0x60, IR_RSH = 0x70, IR_MOD = 0x90, IR_XOR = 0xa0,
};

/* Relations use classic BPF's jump codes; != < <= are built by swapping arms. */
enum ir_rel { IR_JEQ = 0x10, IR_JGT = 0x20, IR_JGE = 0x30, IR_JSET = 0x40 };

struct ir_val {
	enum ir_vkind kind;
	uint8_t size;          /* IR_LOAD: 1, 2 or 4 bytes */
	uint8_t op;            /* IR_BIN: enum ir_op */
	uint32_t k;            /* IR_CONST: value; IR_LOAD, IR_MSH: offset;
				* IR_CHAIN: network header offset */
	struct ir_val *a, *b;  /* IR_LOAD: index or NULL; IR_BIN: operands; IR_NEG: a;
				* IR_CHAIN: a = the constant protocol sought */
	uint32_t id;           /* creation order, for hashing and stable output */
	struct ir_val *hnext;
};

enum ir_pkind { IR_P_ATOM, IR_P_AND, IR_P_OR, IR_P_NOT, IR_P_TRUE, IR_P_FALSE };

struct ir_pred {
	enum ir_pkind kind;
	struct ir_pred *l, *r;  /* AND, OR: both; NOT: l */
	struct ir_val *a, *b;   /* ATOM: a REL b */
	uint8_t rel;
};

struct ir_block {
	struct ir_val *a, *b;       /* test a REL b; NULL a for a leaf */
	uint8_t rel;
	struct ir_block *jt, *jf;
	uint32_t ret;               /* leaf: returned value */
	uint32_t id;
	struct ir_block *hnext;
	/* scratch for passes */
	int mark;
	int order;
	void *aux;
};

struct ir;

struct ir *ir_new(void);
void ir_free(struct ir *ir);
/* True once any allocation failed; every constructor then returns NULL
 * or a placeholder and the caller reports ENOMEM at the end. */
bool ir_oom(const struct ir *ir);

struct ir_val *ir_const(struct ir *ir, uint32_t k);
struct ir_val *ir_load(struct ir *ir, unsigned size, uint32_t off, struct ir_val *index);
struct ir_val *ir_len(struct ir *ir);
struct ir_val *ir_msh(struct ir *ir, uint32_t off);
/* a OP b with constant folding; division or modulo by constant 0 returns
 * NULL (the caller reports it). */
struct ir_val *ir_bin(struct ir *ir, enum ir_op op, struct ir_val *a, struct ir_val *b);
struct ir_val *ir_neg(struct ir *ir, struct ir_val *a);
/*
 * The protocol number libpcap's `protochain` loop stops on, for an IPv4
 * (family 4) or IPv6 (family 6) header at offset nl, looking for `want`:
 * it starts from the header's protocol / next-header field and, while the
 * current one is not `want`, steps over IPv6 extension headers (hop-by-hop,
 * destination options, routing, fragment; IPv6 only) and AH, as libpcap's
 * loop does.  The emitter unrolls the walk (forward jumps only) to
 * IR_CHAIN_DEPTH6 headers after an IPv6 header (17 instructions each) and
 * IR_CHAIN_DEPTH4 after an IPv4 one (8 each); a longer chain stops on the
 * protocol it reached.  Uses X and one scratch word.
 */
#define IR_CHAIN_DEPTH6 100
#define IR_CHAIN_DEPTH4 32
struct ir_val *ir_chain(struct ir *ir, unsigned family, uint32_t nl, uint32_t want);
/* Evaluates an IR_CONST-only expression: true and *k when v is constant. */
bool ir_val_const(const struct ir_val *v, uint32_t *k);

struct ir_pred *ir_true(struct ir *ir);
struct ir_pred *ir_false(struct ir *ir);
struct ir_pred *ir_atom(struct ir *ir, struct ir_val *a, enum ir_rel rel, struct ir_val *b);
struct ir_pred *ir_atom_k(struct ir *ir, struct ir_val *a, enum ir_rel rel, uint32_t k);
struct ir_pred *ir_and(struct ir *ir, struct ir_pred *l, struct ir_pred *r);
struct ir_pred *ir_or(struct ir *ir, struct ir_pred *l, struct ir_pred *r);
struct ir_pred *ir_not(struct ir *ir, struct ir_pred *p);

/* Leaf returning k; hash-consed. */
struct ir_block *ir_leaf(struct ir *ir, uint32_t k);
/* Test block; hash-consed; folds constant tests and jt == jf, and puts the
 * test in a canonical form (see ir.c). */
struct ir_block *ir_test(struct ir *ir, struct ir_val *a, enum ir_rel rel, struct ir_val *b,
			 struct ir_block *jt, struct ir_block *jf);
/* Lowers a predicate: the DAG going to `yes` when p holds, else `no`. */
struct ir_block *ir_lower(struct ir *ir, struct ir_pred *p, struct ir_block *yes,
			  struct ir_block *no);

/*
 * Rewrites the DAG under root and returns the new root: decides tests
 * whose outcome is known on every path reaching them, threads jumps over
 * them, folds blocks whose two arms agree and shares equal blocks.
 */
struct ir_block *ir_optimize(struct ir *ir, struct ir_block *root);

/*
 * Emits classic BPF for the DAG under root into a malloc'd array (*out,
 * *n); the caller frees it.  Returns 0, -ENOMEM or -E2BIG (more than
 * MOAT_CBPF_MAXINSNS instructions or scratch memory exhausted; err says).
 */
int ir_emit_cbpf(struct ir *ir, struct ir_block *root, struct moat_cbpf_insn **out, size_t *n,
		 struct moat_error *err);

#endif
