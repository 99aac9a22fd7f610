/*
 * Code generation: one XDP or TC program per direction.
 *
 *   parse      Ethernet, up to two VLAN tags, IPv4 (options, fragments) or
 *              IPv6 (up to 6 extension headers: hop-by-hop, routing,
 *              fragment, destination options, AH); TCP/UDP ports and flags.
 *              Non-IP frames pass untouched; truncated IP headers drop.
 *   state      the connection's 5-tuple in an LRU hash: a live entry
 *              passes the packet (and refreshes it; FIN or RST shortens
 *              its timeout), an expired one is deleted.
 *   classify   one trie lookup per address, one array lookup per port and
 *              for (proto, flags), one trie lookup per table reference,
 *              then one hash lookup of the class tuple (classify.c): the
 *              same number of lookups for 1 rule or 100,000.
 *   account    the deciding rule's packet and byte counters (a per-CPU
 *              array: plain adds); `keep state` inserts the tuple both ways
 *              round; a rule with `log` sends a record (struct
 *              moat_fw_log_record) to a ring buffer.  Programs whose rules
 *              do not log have no ring buffer and no logging code.
 *
 * Stack layout (offsets from r10) is fixed below; every slot is zeroed
 * first so the verifier sees initialized helper keys.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/builder.h>
#include <moat/map.h>

#include "compile/fw/fw_internal.h"

enum {
	S_SRC = -24,	/* LPM key: u32 plen, u8 addr[16] */
	S_DST = -48,
	S_DKEY = -72,	/* decision key: u32 cls[6] */
	S_CONN = -112,	/* state key: src[16] dst[16] u16 sport dport u8 proto pad[3] */
	S_CVAL = -136,	/* state value: u64 last_ns, u32 rule, u32 timeout_s */
	S_LEN = -144,	/* u64 packet length */
	S_SPORT = -152, /* u64; 65536 = no port */
	S_DPORT = -160,
	S_PROTO = -168,
	S_FLAGS = -176,
	S_RULE = -184,	/* u64 deciding rule */
	S_ACT = -192,	/* u64 action bits */
	S_KEY = -196,	/* u32 array key */
	S_TBITS = -200, /* u32 table bits */
	S_BOTTOM = -200,
};

enum {
	ACT_PASS = 1, ACT_KEEP = 2, ACT_STATE = 4, ACT_NOTIP = 8, ACT_BAD = 16, ACT_VALID = 32,
	ACT_LOG = 64,
};

/* The log record's layout, which the code below writes field by field. */
_Static_assert(offsetof(struct moat_fw_log_record, rule) == 8, "log record");
_Static_assert(offsetof(struct moat_fw_log_record, action) == 12, "log record");
_Static_assert(offsetof(struct moat_fw_log_record, ifindex) == 16, "log record");
_Static_assert(offsetof(struct moat_fw_log_record, sport) == 24, "log record");
_Static_assert(offsetof(struct moat_fw_log_record, src) == 28, "log record");
_Static_assert(offsetof(struct moat_fw_log_record, caplen) == 60, "log record");
_Static_assert(offsetof(struct moat_fw_log_record, data) == 64, "log record");
_Static_assert(sizeof(struct moat_fw_log_record) == 64 + MOAT_FW_LOG_CAPLEN, "log record");
#define LOG_RINGBUF_BYTES (256u * 1024u)
#define V6_EXT_MAX 6 /* extension headers walked, as the kernel's ipv6_skip_exthdr bounds it */

/* Up to this many class tuples the decision table is an array indexed by
 * the tuple in mixed radix (the kernel inlines array lookups); beyond, a
 * hash of the tuples that occur. */
#define DIRECT_MAX (1u << 18)
enum { H_LOOKUP = 1, H_UPDATE = 2, H_DELETE = 3, H_KTIME = 5, H_RB_RESERVE = 131,
       H_RB_SUBMIT = 132 };
enum { TCP_FIN = 1, TCP_RST = 4 };

#define R0 MOAT_R0
#define R1 MOAT_R1
#define R2 MOAT_R2
#define R3 MOAT_R3
#define R6 MOAT_R6
#define R7 MOAT_R7
#define R8 MOAT_R8
#define R9 MOAT_R9
#define FP MOAT_R10

struct gen {
	struct moat_builder *b;
	const struct fw_plan *p;
	const struct moat_fw_compile_opts *o;
	bool xdp, record;
	struct moat_map *addr, *ports, *l4, *decision, *counters, *state, *verdict, *log;
	struct moat_map *tables[16];
	bool direct; /* decision table is an array (see DIRECT_MAX) */
	bool any_log; /* some rule of the direction logs */
	moat_label drop_bad, not_ip, noports, l4_start, classify, count, done;
	uint32_t nrules;
};

static void E(struct gen *g, struct moat_insn in)
{
	moat_builder_emit(g->b, in);
}

static void call(struct gen *g, int32_t helper)
{
	E(g, MOAT_CALL_INSN(helper));
}

/* r1 = map, r2 = fp + key */
static void map_key(struct gen *g, struct moat_map *m, int key)
{
	moat_builder_ld_map(g->b, R1, m);
	E(g, MOAT_MOV64_REG(R2, FP));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R2, key));
}

/* Bounds check: if r9 + n > data_end goto l. */
static void need(struct gen *g, int32_t n, moat_label l)
{
	E(g, MOAT_MOV64_REG(R1, R9));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R1, n));
	moat_builder_jmp_reg(g->b, MOAT_JGT, R1, R8, l);
}

/* dst = be16 at r9 + off */
static void ld_be16(struct gen *g, uint8_t dst, int16_t off)
{
	E(g, MOAT_LDX_MEM(MOAT_H, dst, R9, off));
	E(g, MOAT_BE(dst, 16));
}

static void gen_ether(struct gen *g)
{
	E(g, MOAT_MOV64_REG(R6, R1));
	E(g, MOAT_LDX_MEM(MOAT_W, R7, R6, g->xdp ? 0 : 76));
	E(g, MOAT_LDX_MEM(MOAT_W, R8, R6, g->xdp ? 4 : 80));
	for (int off = S_BOTTOM; off < 0; off += 8)
		E(g, MOAT_ST_MEM(MOAT_DW, FP, (int16_t)off, 0));
	if (g->xdp) {
		E(g, MOAT_MOV64_REG(R1, R8));
		E(g, MOAT_ALU64_REG(MOAT_SUB, R1, R7));
	} else {
		E(g, MOAT_LDX_MEM(MOAT_W, R1, R6, 0)); /* skb->len */
	}
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_LEN));
	E(g, MOAT_MOV64_REG(R9, R7));
	need(g, 14, g->not_ip);
	ld_be16(g, R2, 12);
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R9, 14));
	for (int tag = 0; tag < 2; tag++) { /* 802.1Q / 802.1ad */
		moat_label no = moat_builder_label(g->b), yes = moat_builder_label(g->b);
		moat_builder_jmp_imm(g->b, MOAT_JEQ, R2, 0x8100, yes);
		moat_builder_jmp_imm(g->b, MOAT_JNE, R2, 0x88a8, no);
		moat_builder_bind(g->b, yes);
		need(g, 4, g->not_ip);
		ld_be16(g, R2, 2);
		E(g, MOAT_ALU64_IMM(MOAT_ADD, R9, 4));
		moat_builder_bind(g->b, no);
	}
}

static void gen_v4(struct gen *g, moat_label v4)
{
	moat_builder_bind(g->b, v4);
	need(g, 20, g->drop_bad);
	E(g, MOAT_LDX_MEM(MOAT_B, R2, R9, 0));
	E(g, MOAT_ALU64_IMM(MOAT_AND, R2, 0xf));
	moat_builder_jmp_imm(g->b, MOAT_JLT, R2, 5, g->drop_bad);
	E(g, MOAT_ALU64_IMM(MOAT_LSH, R2, 2));
	E(g, MOAT_LDX_MEM(MOAT_B, R3, R9, 9));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R3, S_PROTO));
	for (int s = 0; s < 2; s++) {
		int k = s ? S_DST : S_SRC;
		E(g, MOAT_ST_MEM(MOAT_W, FP, (int16_t)k, 128));
		E(g, MOAT_ST_MEM(MOAT_H, FP, (int16_t)(k + 4 + 10), 0xffff));
		E(g, MOAT_LDX_MEM(MOAT_W, R1, R9, (int16_t)(12 + 4 * s)));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, (int16_t)(k + 4 + 12)));
	}
	ld_be16(g, R1, 6);
	E(g, MOAT_ALU64_IMM(MOAT_AND, R1, 0x1fff));
	moat_builder_jmp_imm(g->b, MOAT_JNE, R1, 0, g->noports);
	E(g, MOAT_ALU64_REG(MOAT_ADD, R9, R2));
	moat_builder_ja(g->b, g->l4_start);
}

/* One IPv6 extension header at r9, next header in r3: skips it (r9 past
 * it, r3 its next header), or goes to l4_start for a transport header.  A
 * non-first fragment has no ports. */
static void gen_v6_ext(struct gen *g)
{
	moat_label frag = moat_builder_label(g->b), ah = moat_builder_label(g->b);
	moat_label opt = moat_builder_label(g->b), adv = moat_builder_label(g->b);
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R3, S_PROTO));
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, 44, frag);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, 51, ah);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, 0, opt);	 /* hop-by-hop */
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, 43, opt); /* routing */
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, 60, opt); /* destination options */
	moat_builder_ja(g->b, g->l4_start);
	moat_builder_bind(g->b, opt); /* length in 8-byte units, not counting the first 8 */
	need(g, 8, g->drop_bad);
	E(g, MOAT_LDX_MEM(MOAT_B, R1, R9, 1));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R1, 1));
	E(g, MOAT_ALU64_IMM(MOAT_LSH, R1, 3));
	moat_builder_ja(g->b, adv);
	moat_builder_bind(g->b, ah); /* length in 4-byte units, not counting the first 2 */
	need(g, 8, g->drop_bad);
	E(g, MOAT_LDX_MEM(MOAT_B, R1, R9, 1));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R1, 2));
	E(g, MOAT_ALU64_IMM(MOAT_LSH, R1, 2));
	moat_builder_ja(g->b, adv);
	moat_builder_bind(g->b, frag);
	need(g, 8, g->drop_bad);
	E(g, MOAT_LDX_MEM(MOAT_B, R3, R9, 0));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R3, S_PROTO));
	ld_be16(g, R1, 2);
	E(g, MOAT_ALU64_IMM(MOAT_AND, R1, 0xfff8));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R9, 8));
	moat_builder_jmp_imm(g->b, MOAT_JNE, R1, 0, g->noports);
	moat_label next = moat_builder_label(g->b);
	moat_builder_ja(g->b, next);
	moat_builder_bind(g->b, adv);
	E(g, MOAT_LDX_MEM(MOAT_B, R3, R9, 0));
	E(g, MOAT_ALU64_REG(MOAT_ADD, R9, R1));
	moat_builder_bind(g->b, next);
}

static void gen_v6(struct gen *g, moat_label v6)
{
	moat_builder_bind(g->b, v6);
	need(g, 40, g->drop_bad);
	E(g, MOAT_LDX_MEM(MOAT_B, R3, R9, 6));
	for (int s = 0; s < 2; s++) {
		int k = s ? S_DST : S_SRC;
		E(g, MOAT_ST_MEM(MOAT_W, FP, (int16_t)k, 128));
		for (int i = 0; i < 4; i++) {
			E(g, MOAT_LDX_MEM(MOAT_W, R1, R9, (int16_t)(8 + 16 * s + 4 * i)));
			E(g, MOAT_STX_MEM(MOAT_W, FP, R1, (int16_t)(k + 4 + 4 * i)));
		}
	}
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R9, 40));
	for (int i = 0; i < V6_EXT_MAX; i++)
		gen_v6_ext(g);
	/* more extension headers than walked: the next one is the protocol, without ports */
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R3, S_PROTO));
	static const int32_t ext[] = { 0, 43, 44, 51, 60 };
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, ext[i], g->noports);
	moat_builder_ja(g->b, g->l4_start);
}

static void gen_l4(struct gen *g)
{
	moat_label tcp = moat_builder_label(g->b), udp = moat_builder_label(g->b);
	moat_label ports = moat_builder_label(g->b);
	moat_builder_bind(g->b, g->l4_start);
	E(g, MOAT_LDX_MEM(MOAT_DW, R3, FP, S_PROTO));
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, 6, tcp);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R3, 17, udp);
	moat_builder_ja(g->b, g->noports);
	moat_builder_bind(g->b, tcp);
	need(g, 20, g->drop_bad);
	E(g, MOAT_LDX_MEM(MOAT_B, R1, R9, 13));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_FLAGS));
	moat_builder_ja(g->b, ports);
	moat_builder_bind(g->b, udp);
	need(g, 8, g->drop_bad);
	moat_builder_bind(g->b, ports);
	ld_be16(g, R1, 0);
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_SPORT));
	ld_be16(g, R1, 2);
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_DPORT));
	moat_builder_ja(g->b, g->classify);
	moat_builder_bind(g->b, g->noports);
	E(g, MOAT_MOV64_IMM(R1, (int32_t)FW_NOPORT));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_SPORT));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_DPORT));
}

/* The state key from the parsed fields (ports 0 when there are none). */
static void gen_conn_key(struct gen *g)
{
	for (int i = 0; i < 4; i++) {
		E(g, MOAT_LDX_MEM(MOAT_W, R1, FP, (int16_t)(S_SRC + 4 + 4 * i)));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, (int16_t)(S_CONN + 4 * i)));
		E(g, MOAT_LDX_MEM(MOAT_W, R1, FP, (int16_t)(S_DST + 4 + 4 * i)));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, (int16_t)(S_CONN + 16 + 4 * i)));
	}
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_SPORT));
	E(g, MOAT_STX_MEM(MOAT_H, FP, R1, S_CONN + 32));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_DPORT));
	E(g, MOAT_STX_MEM(MOAT_H, FP, R1, S_CONN + 34));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_PROTO));
	E(g, MOAT_STX_MEM(MOAT_B, FP, R1, S_CONN + 36));
}

static void gen_state_lookup(struct gen *g)
{
	moat_label miss = moat_builder_label(g->b), expired = moat_builder_label(g->b);
	moat_label keep = moat_builder_label(g->b);
	gen_conn_key(g);
	map_key(g, g->state, S_CONN);
	call(g, H_LOOKUP);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R0, 0, miss);
	E(g, MOAT_MOV64_REG(R9, R0));
	call(g, H_KTIME);
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, R9, 0));
	E(g, MOAT_MOV64_REG(R2, R0));
	E(g, MOAT_ALU64_REG(MOAT_SUB, R2, R1));
	E(g, MOAT_LDX_MEM(MOAT_W, R3, R9, 12));
	E(g, MOAT_ALU64_IMM(MOAT_MUL, R3, 1000000000));
	moat_builder_jmp_reg(g->b, MOAT_JGT, R2, R3, expired);
	E(g, MOAT_STX_MEM(MOAT_DW, R9, R0, 0));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_FLAGS));
	moat_builder_jmp_imm(g->b, MOAT_JSET, R1, TCP_FIN | TCP_RST, keep);
	moat_label go = moat_builder_label(g->b);
	moat_builder_ja(g->b, go);
	moat_builder_bind(g->b, keep);
	E(g, MOAT_ST_MEM(MOAT_W, R9, 12, 10)); /* closing: 10 s */
	moat_builder_bind(g->b, go);
	E(g, MOAT_LDX_MEM(MOAT_W, R1, R9, 8));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_RULE));
	E(g, MOAT_MOV64_IMM(R1, ACT_PASS | ACT_STATE));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_ACT));
	moat_builder_ja(g->b, g->count);
	moat_builder_bind(g->b, expired);
	map_key(g, g->state, S_CONN);
	call(g, H_DELETE);
	moat_builder_bind(g->b, miss);
}

/* dkey[slot] = u32 at r0 + off after looking up map with key at fp + key. */
static void class_lookup(struct gen *g, struct moat_map *m, int key, int16_t off, int slot)
{
	moat_label miss = moat_builder_label(g->b);
	map_key(g, m, key);
	call(g, H_LOOKUP);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R0, 0, miss);
	E(g, MOAT_LDX_MEM(MOAT_W, R1, R0, off));
	E(g, MOAT_STX_MEM(MOAT_W, FP, R1, (int16_t)(S_DKEY + 4 * slot)));
	moat_builder_bind(g->b, miss);
}

static void gen_classify(struct gen *g)
{
	const struct fw_plan *p = g->p;
	moat_builder_bind(g->b, g->classify);
	if (p->any_state)
		gen_state_lookup(g);
	if (p->ncls[FW_D_ADDR_SRC] > 1)
		class_lookup(g, g->addr, S_SRC, 0, FW_D_ADDR_SRC);
	if (p->ncls[FW_D_ADDR_DST] > 1)
		class_lookup(g, g->addr, S_DST, 4, FW_D_ADDR_DST);
	for (int s = 0; s < 2; s++) {
		if (p->ncls[s ? FW_D_DPORT : FW_D_SPORT] < 2)
			continue;
		E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, s ? S_DPORT : S_SPORT));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, S_KEY));
		class_lookup(g, g->ports, S_KEY, (int16_t)(4 * s), s ? FW_D_DPORT : FW_D_SPORT);
	}
	if (p->ncls[FW_D_L4] > 1) {
		E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_PROTO));
		E(g, MOAT_ALU64_IMM(MOAT_LSH, R1, 8));
		E(g, MOAT_LDX_MEM(MOAT_DW, R2, FP, S_FLAGS));
		E(g, MOAT_ALU64_REG(MOAT_OR, R1, R2));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, S_KEY));
		class_lookup(g, g->l4, S_KEY, 0, FW_D_L4);
	}
	for (int i = 0; i < p->ntrefs; i++) {
		moat_label miss = moat_builder_label(g->b);
		map_key(g, g->tables[p->trefs[i].table], p->trefs[i].side ? S_DST : S_SRC);
		call(g, H_LOOKUP);
		moat_builder_jmp_imm(g->b, MOAT_JEQ, R0, 0, miss);
		E(g, MOAT_LDX_MEM(MOAT_W, R1, FP, S_DKEY + 4 * FW_D_TBITS));
		E(g, MOAT_ALU64_IMM(MOAT_OR, R1, 1 << i));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, S_DKEY + 4 * FW_D_TBITS));
		moat_builder_bind(g->b, miss);
	}
	moat_label miss = moat_builder_label(g->b), take = moat_builder_label(g->b);
	E(g, MOAT_MOV64_IMM(R1, p->default_pass ? ACT_PASS : 0));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_ACT));
	if (g->direct) { /* index = the class tuple in mixed radix */
		E(g, MOAT_MOV64_IMM(R1, 0));
		for (int d = 0; d < FW_NDIM; d++) {
			if (p->ncls[d] < 2)
				continue;
			E(g, MOAT_ALU64_IMM(MOAT_MUL, R1, (int32_t)p->ncls[d]));
			E(g, MOAT_LDX_MEM(MOAT_W, R2, FP, (int16_t)(S_DKEY + 4 * d)));
			E(g, MOAT_ALU64_REG(MOAT_ADD, R1, R2));
		}
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, S_KEY));
	}
	map_key(g, g->decision, g->direct ? S_KEY : S_DKEY);
	call(g, H_LOOKUP);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R0, 0, miss);
	E(g, MOAT_LDX_MEM(MOAT_W, R1, R0, 4));
	moat_builder_jmp32_imm(g->b, MOAT_JSET, R1, ACT_VALID, take);
	moat_builder_ja(g->b, miss);
	moat_builder_bind(g->b, take);
	E(g, MOAT_ALU64_IMM(MOAT_AND, R1, ~ACT_VALID));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_ACT));
	E(g, MOAT_LDX_MEM(MOAT_W, R1, R0, 0));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_RULE));
	moat_builder_bind(g->b, miss);
}

static void counter_add(struct gen *g, int key_slot)
{
	moat_label miss = moat_builder_label(g->b);
	map_key(g, g->counters, key_slot);
	call(g, H_LOOKUP);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R0, 0, miss);
	/* this CPU's slot: no other CPU writes it, so plain adds */
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, R0, 0));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R1, 1));
	E(g, MOAT_STX_MEM(MOAT_DW, R0, R1, 0));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, R0, 8));
	E(g, MOAT_LDX_MEM(MOAT_DW, R2, FP, S_LEN));
	E(g, MOAT_ALU64_REG(MOAT_ADD, R1, R2));
	E(g, MOAT_STX_MEM(MOAT_DW, R0, R1, 8));
	moat_builder_bind(g->b, miss);
}

/* Swaps the state key's addresses and ports in place. */
static void conn_key_swap(struct gen *g)
{
	for (int i = 0; i < 4; i++) {
		E(g, MOAT_LDX_MEM(MOAT_W, R1, FP, (int16_t)(S_CONN + 4 * i)));
		E(g, MOAT_LDX_MEM(MOAT_W, R2, FP, (int16_t)(S_CONN + 16 + 4 * i)));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R2, (int16_t)(S_CONN + 4 * i)));
		E(g, MOAT_STX_MEM(MOAT_W, FP, R1, (int16_t)(S_CONN + 16 + 4 * i)));
	}
	E(g, MOAT_LDX_MEM(MOAT_H, R1, FP, S_CONN + 32));
	E(g, MOAT_LDX_MEM(MOAT_H, R2, FP, S_CONN + 34));
	E(g, MOAT_STX_MEM(MOAT_H, FP, R2, S_CONN + 32));
	E(g, MOAT_STX_MEM(MOAT_H, FP, R1, S_CONN + 34));
}

static void gen_state_insert(struct gen *g)
{
	moat_label no = moat_builder_label(g->b), tcp = moat_builder_label(g->b);
	moat_label udp = moat_builder_label(g->b), set = moat_builder_label(g->b);
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_ACT));
	E(g, MOAT_ALU64_IMM(MOAT_AND, R1, ACT_PASS | ACT_KEEP | ACT_STATE));
	moat_builder_jmp_imm(g->b, MOAT_JNE, R1, ACT_PASS | ACT_KEEP, no);
	call(g, H_KTIME);
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R0, S_CVAL));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_RULE));
	E(g, MOAT_STX_MEM(MOAT_W, FP, R1, S_CVAL + 8));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_PROTO));
	E(g, MOAT_MOV64_IMM(R2, 30)); /* other protocols (ICMP): 30 s */
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R1, 6, tcp);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R1, 17, udp);
	moat_builder_ja(g->b, set);
	moat_builder_bind(g->b, tcp);
	E(g, MOAT_MOV64_IMM(R2, 86400)); /* established TCP: a day, as pf */
	moat_builder_ja(g->b, set);
	moat_builder_bind(g->b, udp);
	E(g, MOAT_MOV64_IMM(R2, 60));
	moat_builder_bind(g->b, set);
	E(g, MOAT_STX_MEM(MOAT_W, FP, R2, S_CVAL + 12));
	for (int k = 0; k < 2; k++) {
		if (k)
			conn_key_swap(g);
		map_key(g, g->state, S_CONN);
		E(g, MOAT_MOV64_REG(R3, FP));
		E(g, MOAT_ALU64_IMM(MOAT_ADD, R3, S_CVAL));
		E(g, MOAT_MOV64_IMM(MOAT_R4, 0));
		call(g, H_UPDATE);
	}
	moat_builder_bind(g->b, no);
}

/* One unrolled step: `size` bytes from r1 to r2 unless they pass data_end
 * (r8), then jump to `short_of`; both pointers and the count r4 advance. */
static void gen_copy_step(struct gen *g, uint8_t size, int bytes, moat_label short_of)
{
	E(g, MOAT_MOV64_REG(R3, R1));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R3, bytes));
	moat_builder_jmp_reg(g->b, MOAT_JGT, R3, R8, short_of);
	E(g, MOAT_LDX_MEM(size, R3, R1, 0));
	E(g, MOAT_STX_MEM(size, R2, R3, 0));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R1, bytes));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R2, bytes));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R4, bytes));
}

/* Copies the frame's first bytes (at most MOAT_FW_LOG_CAPLEN, as far as
 * data_end allows) into the record at r9: 8 bytes at a time, then single
 * bytes; r4 counts them. */
static void gen_log_copy(struct gen *g)
{
	moat_label bytes = moat_builder_label(g->b), done = moat_builder_label(g->b);
	E(g, MOAT_MOV64_REG(R1, R7));
	E(g, MOAT_MOV64_REG(R2, R9));
	E(g, MOAT_ALU64_IMM(MOAT_ADD, R2, (int32_t)offsetof(struct moat_fw_log_record, data)));
	E(g, MOAT_MOV64_IMM(MOAT_R4, 0));
	for (int i = 0; i < MOAT_FW_LOG_CAPLEN / 8; i++)
		gen_copy_step(g, MOAT_DW, 8, bytes);
	moat_builder_ja(g->b, done);
	moat_builder_bind(g->b, bytes);
	for (int i = 0; i < 7; i++)
		gen_copy_step(g, MOAT_B, 1, done);
	moat_builder_bind(g->b, done);
	E(g, MOAT_STX_MEM(MOAT_H, R9, MOAT_R4, (int16_t)offsetof(struct moat_fw_log_record, caplen)));
}

/* A decision with ACT_LOG sends a struct moat_fw_log_record to the ring buffer. */
static void gen_log(struct gen *g)
{
	moat_label no = moat_builder_label(g->b);
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_ACT));
	E(g, MOAT_ALU64_IMM(MOAT_AND, R1, ACT_LOG));
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R1, 0, no);
	moat_builder_ld_map(g->b, R1, g->log);
	E(g, MOAT_MOV64_IMM(R2, (int32_t)sizeof(struct moat_fw_log_record)));
	E(g, MOAT_MOV64_IMM(R3, 0));
	call(g, H_RB_RESERVE);
	moat_builder_jmp_imm(g->b, MOAT_JEQ, R0, 0, no); /* full: the record is lost */
	E(g, MOAT_MOV64_REG(R9, R0));
	call(g, H_KTIME);
	E(g, MOAT_STX_MEM(MOAT_DW, R9, R0, 0));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_RULE));
	E(g, MOAT_STX_MEM(MOAT_W, R9, R1, 8));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_ACT));
	E(g, MOAT_ALU64_IMM(MOAT_AND, R1, ACT_PASS));
	E(g, MOAT_STX_MEM(MOAT_B, R9, R1, 12));
	E(g, MOAT_ST_MEM(MOAT_B, R9, 13, g->p->dir == FW_DIR_OUT ? MOAT_FW_OUT : MOAT_FW_IN));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_PROTO));
	E(g, MOAT_STX_MEM(MOAT_B, R9, R1, 14));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_FLAGS));
	E(g, MOAT_STX_MEM(MOAT_B, R9, R1, 15));
	E(g, MOAT_LDX_MEM(MOAT_W, R1, R6, g->xdp ? 12 : 40)); /* ingress_ifindex / ifindex */
	E(g, MOAT_STX_MEM(MOAT_W, R9, R1, 16));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_LEN));
	E(g, MOAT_STX_MEM(MOAT_W, R9, R1, 20));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_SPORT)); /* 65536 (no port) stores as 0 */
	E(g, MOAT_STX_MEM(MOAT_H, R9, R1, 24));
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_DPORT));
	E(g, MOAT_STX_MEM(MOAT_H, R9, R1, 26));
	for (int i = 0; i < 4; i++) {
		E(g, MOAT_LDX_MEM(MOAT_W, R1, FP, (int16_t)(S_SRC + 4 + 4 * i)));
		E(g, MOAT_STX_MEM(MOAT_W, R9, R1, (int16_t)(28 + 4 * i)));
		E(g, MOAT_LDX_MEM(MOAT_W, R1, FP, (int16_t)(S_DST + 4 + 4 * i)));
		E(g, MOAT_STX_MEM(MOAT_W, R9, R1, (int16_t)(44 + 4 * i)));
	}
	E(g, MOAT_ST_MEM(MOAT_H, R9, 62, 0));
	gen_log_copy(g);
	E(g, MOAT_MOV64_REG(R1, R9));
	E(g, MOAT_MOV64_IMM(R2, 0));
	call(g, H_RB_SUBMIT);
	moat_builder_bind(g->b, no);
}

static void gen_tail(struct gen *g)
{
	int32_t pass = g->xdp ? 2 : 0, drop = g->xdp ? 1 : 2;
	moat_label ret_pass = moat_builder_label(g->b);
	moat_builder_bind(g->b, g->count);
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_RULE));
	E(g, MOAT_STX_MEM(MOAT_W, FP, R1, S_KEY));
	counter_add(g, S_KEY);
	if (g->any_log)
		gen_log(g);
	if (g->p->any_state)
		gen_state_insert(g);
	moat_builder_bind(g->b, g->done);
	if (g->record) {
		moat_builder_ld_map_value(g->b, R2, g->verdict, 0);
		E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_RULE));
		E(g, MOAT_STX_MEM(MOAT_W, R2, R1, 0));
		E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_ACT));
		E(g, MOAT_STX_MEM(MOAT_W, R2, R1, 4));
	}
	E(g, MOAT_LDX_MEM(MOAT_DW, R1, FP, S_ACT));
	moat_builder_jmp_imm(g->b, MOAT_JSET, R1, ACT_PASS, ret_pass);
	E(g, MOAT_MOV64_IMM(R0, drop));
	E(g, MOAT_EXIT_INSN());
	moat_builder_bind(g->b, ret_pass);
	E(g, MOAT_MOV64_IMM(R0, pass));
	E(g, MOAT_EXIT_INSN());
	moat_builder_bind(g->b, g->not_ip);
	E(g, MOAT_MOV64_IMM(R1, ACT_PASS | ACT_NOTIP));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_ACT));
	moat_builder_ja(g->b, g->done);
	moat_builder_bind(g->b, g->drop_bad);
	E(g, MOAT_MOV64_IMM(R1, ACT_BAD));
	E(g, MOAT_STX_MEM(MOAT_DW, FP, R1, S_ACT));
	moat_builder_ja(g->b, g->done);
}

static void gen_program(struct gen *g)
{
	struct moat_builder *b = g->b;
	g->drop_bad = moat_builder_label(b);
	g->not_ip = moat_builder_label(b);
	g->noports = moat_builder_label(b);
	g->l4_start = moat_builder_label(b);
	g->classify = moat_builder_label(b);
	g->count = moat_builder_label(b);
	g->done = moat_builder_label(b);
	moat_label v4 = moat_builder_label(b), v6 = moat_builder_label(b);
	gen_ether(g);
	moat_builder_jmp_imm(b, MOAT_JEQ, R2, 0x0800, v4);
	moat_builder_jmp_imm(b, MOAT_JEQ, R2, 0x86dd, v6);
	moat_builder_ja(b, g->not_ip);
	gen_v4(g, v4);
	gen_v6(g, v6);
	gen_l4(g);
	gen_classify(g);
	gen_tail(g);
}

/* ---- maps ---- */

static struct moat_map *new_map(enum moat_map_type t, uint32_t ks, uint32_t vs, uint32_t n,
				const char *name, struct moat_error *err)
{
	MOAT_OPTS(moat_map_def, d, .type = t, .key_size = ks, .value_size = vs,
		  .max_entries = n ? n : 1, .name = name,
		  .flags = t == MOAT_MAP_LPM_TRIE ? MOAT_MAP_F_NO_PREALLOC : 0);
	return moat_map_new(&d, err);
}

static int fill_maps(struct gen *g, const struct moat_fw_rules *rs, struct moat_error *err)
{
	const struct fw_plan *p = g->p;
	int r = 0;
	for (size_t i = 0; r == 0 && i < p->pfx.n; i++) {
		uint8_t key[20];
		uint32_t plen = p->pfx.v[i].plen;
		memcpy(key, &plen, 4);
		memcpy(key + 4, p->pfx.v[i].a, 16);
		r = moat_map_update(g->addr, key, &p->pfx_cls.v[2 * i], MOAT_MAP_ANY, err);
	}
	for (uint32_t i = 0; r == 0 && i <= FW_NOPORT; i++)
		r = moat_map_update(g->ports, &i, &p->port_cls[2 * i], MOAT_MAP_ANY, err);
	for (uint32_t i = 0; r == 0 && i < FW_L4_SLOTS; i++)
		r = moat_map_update(g->l4, &i, &p->l4_cls[i], MOAT_MAP_ANY, err);
	for (size_t i = 0; r == 0 && i < p->ent.n; i++) {
		const struct fw_rule *ru = &rs->rules.v[p->ent.v[i].rule - 1];
		uint32_t v[2] = { p->ent.v[i].rule, ACT_VALID | (ru->pass ? ACT_PASS : 0) |
							     (ru->pass && ru->keep_state ? ACT_KEEP : 0) |
							     (ru->log ? ACT_LOG : 0) };
		uint32_t idx = 0;
		for (int d = 0; d < FW_NDIM; d++)
			if (p->ncls[d] > 1)
				idx = idx * p->ncls[d] + p->ent.v[i].cls[d];
		r = moat_map_update(g->decision, g->direct ? (const void *)&idx : p->ent.v[i].cls, v,
				    MOAT_MAP_ANY, err);
	}
	for (size_t t = 0; r == 0 && t < rs->tables.n; t++) {
		uint32_t one = 1;
		for (size_t i = 0; g->tables[t] && r == 0 && i < rs->tables.v[t].pfx.n; i++) {
			uint8_t key[20];
			uint32_t plen = rs->tables.v[t].pfx.v[i].plen;
			memcpy(key, &plen, 4);
			memcpy(key + 4, rs->tables.v[t].pfx.v[i].a, 16);
			r = moat_map_update(g->tables[t], key, &one, MOAT_MAP_ANY, err);
		}
	}
	return r;
}

static int make_maps(struct gen *g, const struct moat_fw_rules *rs, struct moat_error *err)
{
	const struct fw_plan *p = g->p;
	g->addr = new_map(MOAT_MAP_LPM_TRIE, 20, 8, (uint32_t)p->pfx.n, "fw_addr", err);
	g->ports = g->addr ? new_map(MOAT_MAP_ARRAY, 4, 8, FW_NOPORT + 1, "fw_ports", err) : NULL;
	g->l4 = g->ports ? new_map(MOAT_MAP_ARRAY, 4, 4, FW_L4_SLOTS, "fw_l4", err) : NULL;
	uint64_t tuples = 1;
	for (int d = 0; d < FW_NDIM; d++)
		if (tuples <= DIRECT_MAX)
			tuples *= p->ncls[d] ? p->ncls[d] : 1;
	g->direct = tuples <= DIRECT_MAX;
	if (g->l4)
		g->decision = g->direct ? new_map(MOAT_MAP_ARRAY, 4, 8, (uint32_t)tuples, "fw_decision", err)
					: new_map(MOAT_MAP_HASH, 24, 8, (uint32_t)p->ent.n, "fw_decision", err);
	g->counters = g->decision ? new_map(MOAT_MAP_PERCPU_ARRAY, 4, 16, g->nrules + 2,
					    "fw_counters", err)
				  : NULL;
	g->state = g->counters ? new_map(MOAT_MAP_LRU_HASH, 40, 16, 65536, "fw_state", err) : NULL;
	if (!g->state)
		return -EINVAL;
	if (g->any_log &&
	    !(g->log = new_map(MOAT_MAP_RINGBUF, 0, 0, LOG_RINGBUF_BYTES, "fw_log", err)))
		return -EINVAL;
	if (g->record && !(g->verdict = new_map(MOAT_MAP_ARRAY, 4, 8, 1, "fw_verdict", err)))
		return -EINVAL;
	for (int i = 0; i < p->ntrefs; i++) {
		int t = p->trefs[i].table;
		if (t >= 16)
			return moat_error_set(err, E2BIG, "more than 16 tables");
		if (!g->tables[t]) {
			char name[16];
			snprintf(name, sizeof(name), "fwt_%.10s", rs->tables.v[t].name);
			if (!(g->tables[t] = new_map(MOAT_MAP_LPM_TRIE, 20, 4, 65536, name, err)))
				return -EINVAL;
		}
	}
	return fill_maps(g, rs, err);
}

static void drop_maps(struct gen *g)
{
	struct moat_map *m[] = { g->addr, g->ports, g->l4, g->decision, g->counters, g->state,
				 g->verdict, g->log };
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		moat_map_free(m[i]);
	for (int i = 0; i < 16; i++)
		moat_map_free(g->tables[i]);
}

static int index_of(const struct moat_prog *prog, const struct moat_map *m)
{
	for (size_t i = 0; m && i < moat_prog_map_count(prog); i++)
		if (moat_prog_map(prog, i) == m)
			return (int)i;
	return -1;
}

int fw_codegen(const struct moat_fw_rules *rs, const struct fw_plan *p,
	       const struct moat_fw_compile_opts *o, struct moat_fw_prog *fp,
	       struct moat_error *err)
{
	struct gen g = { .p = p, .o = o, .xdp = fp->hook == MOAT_FW_XDP, .record = fp->record,
			 .nrules = (uint32_t)rs->rules.n };
	for (size_t i = 0; i < p->nactive; i++)
		g.any_log |= rs->rules.v[p->active[i]].log;
	int r = make_maps(&g, rs, err);
	if (r == 0) {
		g.b = moat_builder_new(g.xdp ? MOAT_PROG_XDP : MOAT_PROG_SCHED_CLS);
		if (!g.b)
			r = moat_error_set(err, ENOMEM, "out of memory");
	}
	if (r == 0) {
		gen_program(&g);
		fp->prog = moat_builder_finish(g.b, p->dir == FW_DIR_OUT ? "moat_fw_out" : "moat_fw_in",
					       err);
		if (!fp->prog)
			r = -EINVAL;
	}
	if (r == 0) {
		fp->map_idx[MOAT_FW_MAP_COUNTERS] = index_of(fp->prog, g.counters);
		fp->map_idx[MOAT_FW_MAP_STATE] = index_of(fp->prog, g.state);
		fp->map_idx[MOAT_FW_MAP_LOG] = index_of(fp->prog, g.log);
		fp->verdict_idx = index_of(fp->prog, g.verdict);
		for (size_t t = 0; t < 16; t++)
			fp->table_map_idx[t] = index_of(fp->prog, g.tables[t]);
		fp->nentries = p->ent.n;
		fp->stats = (struct moat_fw_stats){
			.rules = p->nactive, .prefixes = p->pfx.n,
			.src_classes = p->ncls[FW_D_ADDR_SRC], .dst_classes = p->ncls[FW_D_ADDR_DST],
			.sport_classes = p->ncls[FW_D_SPORT], .dport_classes = p->ncls[FW_D_DPORT],
			.l4_classes = p->ncls[FW_D_L4], .table_refs = p->ntrefs,
			.entries = p->ent.n, .keeps_state = p->any_state, .logs = g.any_log,
		};
		moat_prog_insns(fp->prog, &fp->stats.insns);
	}
	moat_builder_free(g.b);
	drop_maps(&g);
	return r;
}
