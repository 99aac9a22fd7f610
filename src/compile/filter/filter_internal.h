/*
 * Internals of the pcap-filter compiler: tokens (lex.c), the parser
 * (parse.c), protocol knowledge and code generation into the predicate IR
 * (gen.c, gen_link.c), and name and keyword tables (names.c).
 */
#ifndef MOAT_COMPILE_FILTER_INTERNAL_H
#define MOAT_COMPILE_FILTER_INTERNAL_H

#include <moat/filter.h>

#include "compile/ir/ir.h"
#include "util/vec.h"

enum tok_kind {
	T_END, T_NUM, T_ID, T_HID, T_HID6, T_EID, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK,
	T_COLON, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_AMP, T_PIPE, T_CARET, T_LSH,
	T_RSH, T_NOT, T_AND, T_OR, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
};

struct tok {
	enum tok_kind kind;
	int col;          /* 1-based column in the expression */
	bool escaped;     /* T_ID written with a leading backslash: never a keyword */
	uint32_t num;     /* T_NUM value */
	char *text;       /* the token's text (owned by the token list) */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

/* Splits expr into tokens (ending with T_END); 0 or -errno with err set. */
int flt_lex(const char *expr, struct toks *out, struct moat_error *err);
void flt_toks_free(struct toks *toks);

/* Qualifiers, as libpcap's grammar names them. */
enum q_proto {
	QP_DEFAULT, QP_LINK, QP_IP, QP_ARP, QP_RARP, QP_SCTP, QP_TCP, QP_UDP, QP_ICMP, QP_IGMP,
	QP_IGRP, QP_ATALK, QP_DECNET, QP_LAT, QP_SCA, QP_MOPRC, QP_MOPDL, QP_IPV6, QP_ICMPV6,
	QP_AH, QP_ESP, QP_PIM, QP_VRRP, QP_AARP, QP_ISO, QP_ESIS, QP_ISIS, QP_CLNP, QP_STP,
	QP_IPX, QP_NETBEUI, QP_CARP, QP_COUNT
};
enum q_dir { QD_DEFAULT, QD_SRC, QD_DST, QD_OR, QD_AND };
enum q_type { QT_DEFAULT, QT_HOST, QT_NET, QT_PORT, QT_GATEWAY, QT_PROTO, QT_PROTOCHAIN,
	      QT_PORTRANGE };

struct qual {
	enum q_proto proto;
	enum q_dir dir;
	enum q_type type;
	bool err; /* after a primitive that has no qualifiers (`tcp or 80`) */
};

/* An arithmetic operand: a value and the protocol test it needs. */
struct arth {
	struct ir_val *v;
	struct ir_pred *guard; /* NULL when none */
};

/* Compiler state, mutated in parse order like libpcap's (vlan, mpls). */
struct fc {
	struct ir *ir;
	struct moat_error *err;
	int linktype;
	uint32_t snaplen, netmask;
	uint32_t off_linktype; /* ethertype field; NO_OFF when the link has none */
	uint32_t off_linkpl;   /* start of the link-layer payload */
	uint32_t off_nl;       /* network header past MPLS labels, relative to linkpl */
	unsigned label_depth;  /* MPLS labels matched so far */
	bool vlan_seen;
	bool ppp;              /* inside PPPoE session data: PPP protocol numbers */
	bool protochain;       /* libpcap's optimizer is off: no "rejects all packets" */
	int col;               /* column of the primitive being generated */
	int failed;            /* first error's -errno, 0 while all is well */
};

#define NO_OFF 0xffffffffu

/* Records an error at fc->col (first one wins); returns NULL for chaining. */
void *fc_fail(struct fc *fc, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parser entry: the predicate of the whole expression or NULL (err set). */
struct ir_pred *flt_parse(struct fc *fc, const struct tok *toks, size_t n);

/* gen_link.c: link-layer knowledge. */
int flt_link_init(struct fc *fc);
/* libpcap's DLT_ name of a link type moat compiles for ("this link type" else). */
const char *flt_dlt_name(int dlt);
struct ir_pred *gen_linktype(struct fc *fc, uint32_t ethertype);
struct ir_pred *gen_link_broadcast(struct fc *fc);
struct ir_pred *gen_link_multicast(struct fc *fc);
struct ir_pred *gen_ehost(struct fc *fc, const uint8_t mac[6], enum q_dir dir);
struct ir_pred *gen_vlan(struct fc *fc, uint32_t id, bool has_id);
struct ir_pred *gen_mpls(struct fc *fc, uint32_t label, bool has_label);
struct ir_pred *gen_pppoe(struct fc *fc, bool session, uint32_t id, bool has_id);
struct ir_pred *gen_llc(struct fc *fc, const char *kind);
bool flt_llc_kind(const char *s);
struct ir_pred *gen_inbound(struct fc *fc, bool outbound);
struct ir_pred *gen_ifindex(struct fc *fc, uint32_t idx);

/* gen.c: network and transport layers, primitives by qualifier. */
struct ir_pred *gen_ncode(struct fc *fc, const struct tok *t, struct qual q);
struct ir_pred *gen_scode(struct fc *fc, const struct tok *t, struct qual q);
struct ir_pred *gen_ecode(struct fc *fc, const struct tok *t, struct qual q);
struct ir_pred *gen_net_mask(struct fc *fc, const struct tok *addr, const struct tok *mask,
			     int bits, struct qual q);
struct ir_pred *gen_proto_abbrev(struct fc *fc, enum q_proto p);
struct ir_pred *gen_broadcast(struct fc *fc, enum q_proto p);
struct ir_pred *gen_isis_pdu(struct fc *fc, const char *name);
struct ir_pred *gen_multicast(struct fc *fc, enum q_proto p);
struct ir_pred *gen_len(struct fc *fc, enum ir_rel rel, uint32_t n, bool negate);
struct arth gen_load(struct fc *fc, enum q_proto p, struct arth idx, unsigned size);
struct ir_pred *gen_relation(struct fc *fc, enum tok_kind op, struct arth a, struct arth b);

/* names.c: keyword and name tables. */
enum q_proto flt_proto_kw(const char *s);
const char *flt_proto_name(enum q_proto p);
bool flt_arith_const(const char *s, uint32_t *v);
bool flt_ether_proto(const char *s, uint32_t *v);
bool flt_ip_proto(const char *s, uint32_t *v);
/* Resolves a service name for tcp/udp/sctp: returns -1 when unknown; else the
 * port and, in *proto, 6, 17, 132 or 0 (several, same number). */
int flt_port(const char *s, int *proto);
bool flt_parse_mac(const char *s, uint8_t mac[6]);
bool flt_is_keyword(const char *s);

#endif
