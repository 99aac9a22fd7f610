/*
 * The firewall: pf-like rule files (docs/fw.md) compiled to one eBPF
 * program whose per-packet cost does not grow with the number of rules.
 *
 *     struct moat_fw_rules *rs = moat_fw_parse(text, len, "rules.conf", NULL, &err);
 *     MOAT_OPTS(moat_fw_compile_opts, o, .hook = MOAT_FW_XDP, .dir = MOAT_FW_IN);
 *     struct moat_fw_prog *fp = moat_fw_compile(rs, &o, &err);
 *     ... moat_fw_prog_prog(fp) is verified and ready for moat_kernel_load() ...
 *     moat_fw_prog_free(fp); moat_fw_rules_free(rs);
 *
 * Packet verdicts: the program returns XDP_PASS/XDP_DROP (XDP) or
 * TC_ACT_OK/TC_ACT_SHOT (TC).  Its maps hold the per-rule counters (per
 * CPU), the connection state, one LPM trie per table (updatable at run
 * time), the classifier and, when some rule has `log`, a ring buffer of
 * struct moat_fw_log_record.
 */
#ifndef MOAT_FW_H
#define MOAT_FW_H

#include <moat/prog.h>
#include <moat/vm.h>

struct moat_fw_rules;
struct moat_fw_prog;

struct moat_fw_parse_opts {
	size_t sz;
	bool no_table_files; /* do not read `table <t> file "..."` (fuzzing); the table stays empty */
};

/*
 * Parses a rule file.  Errors carry file:line:col (the first problem; a
 * macro's contents are reported at the place it is used).  Table files are
 * read relative to the current directory.  opts may be NULL.  Returns NULL
 * on error; free with moat_fw_rules_free().
 */
MOAT_API struct moat_fw_rules *moat_fw_parse(const char *src, size_t len, const char *file,
					     const struct moat_fw_parse_opts *opts,
					     struct moat_error *err);
MOAT_API void moat_fw_rules_free(struct moat_fw_rules *rs);

/* Number of rules (rules are numbered 1..n in file order; 0 is the default). */
MOAT_API size_t moat_fw_rule_count(const struct moat_fw_rules *rs);

/*
 * The rule set in canonical form, one statement a line (tables with their
 * entries, the defaults, the rules), which moat_fw_parse() reads back to
 * the same text.  Returns a malloc'd string the caller frees, NULL when
 * out of memory.
 */
MOAT_API char *moat_fw_rules_format(const struct moat_fw_rules *rs);

/* Rule n (1-based) in canonical form, malloc'd; NULL when out of range. */
MOAT_API char *moat_fw_rule_format(const struct moat_fw_rules *rs, size_t n);

/* Source line of rule n (1-based), 0 when out of range. */
MOAT_API int moat_fw_rule_line(const struct moat_fw_rules *rs, size_t n);

/* Number of tables and table i's name (owned by rs; NULL out of range). */
MOAT_API size_t moat_fw_table_count(const struct moat_fw_rules *rs);
MOAT_API const char *moat_fw_table_name(const struct moat_fw_rules *rs, size_t i);

/*
 * Parses an address or prefix ("192.0.2.1", "2001:db8::/32") into the key
 * of a table map: struct { uint32_t prefixlen; uint8_t addr[16]; } with
 * IPv4 as ::ffff:a.b.c.d.  key must have 20 bytes.  Returns 0 or -EINVAL.
 */
MOAT_API int moat_fw_table_key(const char *addr, void *key, struct moat_error *err);
/* Formats a table key back to text in buf. */
MOAT_API const char *moat_fw_table_key_str(const void *key, char *buf, size_t len);

enum moat_fw_hook { MOAT_FW_XDP, MOAT_FW_TC };
enum moat_fw_dir { MOAT_FW_IN = 1, MOAT_FW_OUT = 2 };

struct moat_fw_compile_opts {
	size_t sz;
	enum moat_fw_hook hook; /* XDP (ingress only) or TC */
	enum moat_fw_dir dir;	/* 0 means MOAT_FW_IN */
	const char *iface;	/* rules `on IFACE` for another interface never match; NULL: all match */
	bool record_verdict;	/* also store each verdict in a one-entry array, which
				 * moat_fw_runner reads (one store per packet) */
};

/*
 * Compiles the rules of one direction to a verified program (moat's
 * verifier has accepted it when this returns).  Errors: EINVAL (XDP with
 * dir out), E2BIG (the classifier would need more than 4,000,000 entries
 * or more than 8 table references), moat's verifier's rejection.  Returns
 * NULL on error; free with moat_fw_prog_free().
 */
MOAT_API struct moat_fw_prog *moat_fw_compile(const struct moat_fw_rules *rs,
					      const struct moat_fw_compile_opts *opts,
					      struct moat_error *err);
MOAT_API void moat_fw_prog_free(struct moat_fw_prog *fp);
/* rs must outlive the compiled program (table names are borrowed from it). */

/* The program (owned by fp). */
MOAT_API struct moat_prog *moat_fw_prog_prog(const struct moat_fw_prog *fp);

/* Size of the decision table (entries). */
MOAT_API size_t moat_fw_prog_entries(const struct moat_fw_prog *fp);

/* What the classifier of a compiled program looks like (moat fw check's plan). */
struct moat_fw_stats {
	size_t rules;	  /* rules of the direction (after `in`/`out` and `on IFACE`) */
	size_t prefixes;  /* address prefixes in the trie */
	uint32_t src_classes, dst_classes, sport_classes, dport_classes, l4_classes;
	int table_refs;	  /* (table, from/to) pairs tested at run time */
	size_t entries;	  /* decision table entries */
	size_t insns;	  /* program instructions */
	bool keeps_state; /* some rule of the direction keeps state */
	bool logs;	  /* some rule of the direction logs (the program has a ring buffer) */
};
MOAT_API void moat_fw_prog_stats(const struct moat_fw_prog *fp, struct moat_fw_stats *st);

/* True when direction dir has something to enforce on interface iface
 * (NULL: any): a rule that applies to it, or a default of block. */
MOAT_API bool moat_fw_dir_used(const struct moat_fw_rules *rs, enum moat_fw_dir dir,
			       const char *iface);

/* The program's maps, by role: index into the program's map table, -1 when absent. */
enum moat_fw_map {
	MOAT_FW_MAP_COUNTERS, /* per-CPU array: rule n -> { u64 packets, bytes } (n = 0: default);
			       * the kernel's value is one struct per possible CPU, to be summed */
	MOAT_FW_MAP_STATE,    /* LRU hash: connection 5-tuple -> state */
	MOAT_FW_MAP_LOG,      /* ring buffer of struct moat_fw_log_record; -1 when no rule logs */
	MOAT_FW_MAP_COUNT
};
MOAT_API int moat_fw_prog_map(const struct moat_fw_prog *fp, enum moat_fw_map which);
/* Map index of table `name`'s LPM trie, -1 when the program does not use it. */
MOAT_API int moat_fw_prog_table_map(const struct moat_fw_prog *fp, const char *name);

/* Counters value layout (one per CPU in the kernel). */
struct moat_fw_counter {
	uint64_t packets, bytes;
};

/* Bytes of the frame a log record keeps. */
#define MOAT_FW_LOG_CAPLEN 128

/*
 * A record of the log ring buffer: one per packet that a rule with `log`
 * decided (packets passed by an existing connection's state are not
 * logged, as in pf).  All fields in host order except the addresses.
 */
struct moat_fw_log_record {
	uint64_t time_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	uint32_t rule;		/* the deciding rule, 1-based */
	uint8_t action;		/* 1 pass, 0 block */
	uint8_t dir;		/* MOAT_FW_IN or MOAT_FW_OUT */
	uint8_t proto;		/* IP protocol (after IPv6 extension headers) */
	uint8_t tcp_flags;	/* TCP only, else 0 */
	uint32_t ifindex;	/* the interface the packet arrived on or leaves by */
	uint32_t len;		/* the frame's length */
	uint16_t sport, dport;	/* 0 without ports (other protocols, later fragments) */
	uint8_t src[16], dst[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint16_t caplen;	/* bytes of the frame in data */
	uint16_t pad;
	uint8_t data[MOAT_FW_LOG_CAPLEN]; /* the frame's first bytes, from the Ethernet header */
};

/*
 * Warnings about the rules (one a line, "RULES:LINE: rule N never matches:
 * shadowed by rule M"), for both directions.  Returns a malloc'd string
 * (empty when there is nothing to say), NULL on error.
 */
MOAT_API char *moat_fw_check(const struct moat_fw_rules *rs, const char *iface,
			     struct moat_error *err);

/* A verdict of one packet in moat's VM. */
struct moat_fw_verdict {
	bool pass;
	uint32_t rule;	 /* deciding rule (1-based), 0 for the default or non-IP traffic */
	bool by_state;	 /* an existing connection's state let it through */
	bool not_ip;	 /* not IPv4/IPv6: passed without rules */
	bool truncated;	 /* an IP, TCP or UDP header was cut short: blocked */
	bool log;	 /* the deciding rule logs: the program emitted a log record */
};

struct moat_fw_runner;

/*
 * A runner executes fp's program in `vm` on Ethernet frames, in moat's
 * checked interpreter (programs that read xdp_md/__sk_buff fields run
 * there).  fp must be compiled with record_verdict.  Both must outlive
 * the runner.  The context and the frame share one buffer in the low 2 GB
 * of the address space, because the context holds 32-bit packet pointers
 * as the kernel's uapi structures do.  Returns NULL on error (EINVAL
 * without record_verdict); free with moat_fw_runner_free().
 */
MOAT_API struct moat_fw_runner *moat_fw_runner_new(struct moat_vm *vm,
						   const struct moat_fw_prog *fp,
						   struct moat_error *err);
MOAT_API void moat_fw_runner_free(struct moat_fw_runner *r);

/* Runs one frame (at most 65535 bytes). */
MOAT_API int moat_fw_runner_run(struct moat_fw_runner *r, const void *frame, size_t len,
				struct moat_fw_verdict *v, struct moat_error *err);

/* The log record the last moat_fw_runner_run() emitted (owned by r, valid
 * until the next run), NULL when it emitted none. */
MOAT_API const struct moat_fw_log_record *moat_fw_runner_log(const struct moat_fw_runner *r);

#endif
