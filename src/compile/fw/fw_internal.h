/*
 * The firewall compiler's internals: tokens, the rule model, the
 * classifier (per-field classes and the decision table) and the code
 * generator.  Public API: include/moat/fw.h.
 */
#ifndef MOAT_COMPILE_FW_INTERNAL_H
#define MOAT_COMPILE_FW_INTERNAL_H

#include <moat/fw.h>

#include "util/sbuf.h"
#include "util/vec.h"

/* ---- tokens (lex.c) ---- */

enum fw_tok_kind {
	FT_EOF, FT_NL, FT_WORD, FT_STRING, FT_MACRO, /* $name */
	FT_LBRACE, FT_RBRACE, FT_LT, FT_GT, FT_LE, FT_GE, FT_NE, FT_BANG, FT_EQ, FT_COMMA,
};

struct fw_tok {
	enum fw_tok_kind kind;
	char *text;	/* WORD, STRING (unquoted), MACRO (name); malloc'd */
	int line, col;
};

typedef VEC(struct fw_tok) fw_toks;

/* Splits src into tokens (newlines inside braces are dropped, a backslash
 * before a newline joins lines).  Returns 0 or -errno with the position. */
int fw_lex(const char *src, size_t len, const char *file, fw_toks *out, struct moat_error *err);
void fw_toks_release(fw_toks *t);
const char *fw_tok_name(const struct fw_tok *t);

/* ---- the rule model ---- */

/* An address prefix, IPv4 stored IPv4-mapped (::ffff:a.b.c.d, plen + 96). */
struct fw_prefix {
	uint8_t a[16];
	uint8_t plen;
};

struct fw_table {
	char *name;
	VEC(struct fw_prefix) pfx;
	int line, col;
	bool used;
};

enum { FW_HOST_ANY, FW_HOST_LIST, FW_HOST_TABLE };

struct fw_host {
	int kind;
	bool neg;
	int table; /* FW_HOST_TABLE: index into rules->tables */
	VEC(struct fw_prefix) pfx;
};

struct fw_range {
	uint16_t lo, hi;
};

struct fw_ports {
	bool set;
	VEC(struct fw_range) r; /* normalized: sorted, disjoint */
	char *text;		/* as written, canonical spelling */
};

enum fw_dir { FW_DIR_ANY = 0, FW_DIR_IN = 1, FW_DIR_OUT = 2 };

struct fw_rule {
	int line, col;
	bool pass, quick, log, keep_state;
	enum fw_dir dir;
	char iface[16];
	int af; /* 0, 4, 6 */
	bool proto_set;
	uint64_t protos[4]; /* bitmap of IP protocol numbers */
	struct fw_host from, to;
	struct fw_ports sport, dport;
	bool flags_set;
	bool flags_any; /* `flags any` written: no implicit S/SA on keep state */
	uint8_t flags, mask;
	char *label;
};

struct moat_fw_rules {
	char *file;
	VEC(struct fw_table) tables;
	VEC(struct fw_rule) rules;
	bool default_pass[3]; /* indexed by enum fw_dir: IN and OUT used */
};

/* pf's implicit `flags S/SA` of a tcp `pass ... keep state` rule without
 * `flags`: only a SYN without ACK creates state (TCP packets only). */
static inline bool fw_rule_implicit_syn(const struct fw_rule *r)
{
	return r->pass && r->keep_state && !r->flags_set && !r->flags_any;
}

/* Prints one rule in canonical form (no newline). */
void fw_rule_print(const struct moat_fw_rules *rs, const struct fw_rule *r, struct sbuf *b);
/* Prints an address prefix (IPv4 dotted when IPv4-mapped). */
void fw_prefix_print(const struct fw_prefix *p, struct sbuf *b);
/* Parses "a.b.c.d[/n]" or an IPv6 address[/n]; false when not an address. */
bool fw_prefix_parse(const char *s, struct fw_prefix *p);
/* True when prefix p contains prefix q. */
bool fw_prefix_contains(const struct fw_prefix *p, const struct fw_prefix *q);
/* Reads a table file: one address per line, '#' comments. */
int fw_table_read_file(struct fw_table *t, const char *path, const char *file, int line, int col,
		       struct moat_error *err);

/* ---- the classifier (classify.c) ---- */

/* Field dimensions of the decision key. */
enum { FW_D_ADDR_SRC, FW_D_ADDR_DST, FW_D_SPORT, FW_D_DPORT, FW_D_L4, FW_D_TBITS, FW_NDIM };

#define FW_NOPORT 65536u /* port class index for packets without ports */
#define FW_L4_SLOTS 65536u

/* A table membership test at run time: table `table` on the src (0) or dst (1) address. */
struct fw_tref {
	int table;
	int side;
};

struct fw_plan_entry {
	uint32_t cls[FW_NDIM];
	uint32_t rule; /* 1-based rule number; 0 none */
};

/*
 * The compiled classifier for one direction: the address prefixes with
 * their (src, dst) classes, the port classes, the l4 classes of
 * (proto << 8 | tcp flags), the table references, and the decision table.
 */
struct fw_plan {
	enum fw_dir dir;
	VEC(struct fw_prefix) pfx;
	VEC(uint32_t) pfx_cls; /* 2 per prefix: src class, dst class */
	uint32_t *port_cls;    /* (FW_NOPORT + 1) * 2: sport, dport class */
	uint32_t *l4_cls;      /* FW_L4_SLOTS */
	uint32_t ncls[FW_NDIM];
	struct fw_tref trefs[8];
	int ntrefs;
	VEC(struct fw_plan_entry) ent;
	bool *decides;	  /* per rule (1-based index): decides some packet */
	uint32_t *active; /* active rules (indices into rules) */
	size_t nactive;
	uint32_t *shadow; /* per active rule: the one decider when it matched, ~0u several */
	bool any_state; /* some rule of the direction keeps state */
	bool default_pass;
};

int fw_plan_build(const struct moat_fw_rules *rs, enum fw_dir dir, const char *iface,
		  struct fw_plan *p, struct moat_error *err);
void fw_plan_release(struct fw_plan *p);
/* Warnings: rules that never decide (and, when one rule covers them, which). */
void fw_plan_warnings(const struct moat_fw_rules *rs, const struct fw_plan *in,
		      const struct fw_plan *out, struct sbuf *b);

/* ---- code generation (codegen.c) ---- */

int fw_codegen(const struct moat_fw_rules *rs, const struct fw_plan *p,
	       const struct moat_fw_compile_opts *o, struct moat_fw_prog *fp,
	       struct moat_error *err);

/* The compiled program and its maps (fw.h's opaque moat_fw_prog). */
struct moat_fw_prog {
	struct moat_prog *prog;
	enum moat_fw_hook hook;
	enum fw_dir dir;
	size_t nrules;
	int map_idx[MOAT_FW_MAP_COUNT]; /* program map table index, -1 when absent */
	int table_map_idx[16];		 /* per table of the rules, -1 when unused */
	const struct moat_fw_rules *rs; /* for table names (must outlive fp) */
	size_t nentries;
	struct moat_fw_stats stats;
	bool record;	 /* stores each verdict in a one-entry array (runners) */
	int verdict_idx; /* that array's map index, -1 without record */
};

#endif
