/*
 * Packet filters: tcpdump's pcap-filter(7) language compiled to classic BPF
 * (SO_ATTACH_FILTER, tcpdump -d listings) and to eBPF for moat's
 * interpreter and JIT.
 *
 * The compiler parses the expression into a syntax tree, lowers it to the
 * predicate IR of src/compile/ir (blocks that each test one value), runs
 * the optimizer, then emits classic BPF; the eBPF program is a direct
 * translation of that classic program with explicit bounds checks, so the
 * two always agree.  Every program handed out has passed moat's checker
 * (classic) or verifier (eBPF).
 */
#ifndef MOAT_FILTER_H
#define MOAT_FILTER_H

#include <moat/cbpf.h>
#include <moat/prog.h>

/* Link types (DLT_* numbers) the compiler knows. */
enum {
	MOAT_DLT_NULL = 0,         /* BSD loopback: 4-byte family in host byte order */
	MOAT_DLT_EN10MB = 1,       /* Ethernet (and 802.1Q / MPLS inside it) */
	MOAT_DLT_RAW = 12,         /* raw IPv4 or IPv6, version nibble decides */
	MOAT_DLT_LOOP = 108,       /* OpenBSD loopback: 4-byte family, network order */
	MOAT_DLT_LINKTYPE_RAW = 101, /* LINKTYPE_RAW as savefiles store it */
	MOAT_DLT_LINUX_SLL = 113,  /* Linux cooked capture v1 (16-byte header) */
	MOAT_DLT_IPV4 = 228,       /* raw IPv4 only */
	MOAT_DLT_IPV6 = 229,       /* raw IPv6 only */
	MOAT_DLT_LINUX_SLL2 = 276, /* Linux cooked capture v2 (20-byte header) */
};

#define MOAT_FILTER_NETMASK_UNKNOWN 0xffffffffu

struct moat_filter_opts {
	size_t sz;         /* sizeof(struct moat_filter_opts) (use MOAT_OPTS) */
	int linktype;      /* a MOAT_DLT_* number; 0 means DLT_NULL, so set it */
	uint32_t snaplen;  /* the accept return value and the capture length bound;
			    * 0 means 262144 as in libpcap */
	uint32_t netmask;  /* host-order IPv4 netmask for `ip broadcast`, as
			    * pcap_compile() takes it; MOAT_FILTER_NETMASK_UNKNOWN
			    * or 0 (unset) makes `ip broadcast` an error, as in
			    * libpcap with PCAP_NETMASK_UNKNOWN */
	bool optimize;     /* run the IR optimizer (libpcap's -O is off) */
};

struct moat_filter;

/*
 * Compiles `expr` (NULL or "" is the empty filter, which accepts every
 * packet).  opts may be NULL (Ethernet, snaplen 262144, netmask unknown, optimized).
 * Host, network, port and protocol names are resolved like libpcap does:
 * getaddrinfo(3), getnetbyname(3), getservbyname(3), getprotobyname(3)
 * and ether_hostton(3), so name-based filters depend on the system's
 * name service (/etc/hosts, /etc/services, /etc/ethers, /etc/networks).
 *
 * Errors: NULL with err->errnum EINVAL and err->col the 1-based column of
 * the offending token in expr (0 when the error is about the whole
 * expression: with optimize set, a filter that can only reject fails with
 * "expression rejects all packets", as in libpcap); ENOTSUP for parts of the language
 * moat does not implement; ENOMEM.  Messages follow libpcap's wording
 * ("syntax error", "unknown host 'foo'", "illegal qualifier of 'port'").
 * Free the result with moat_filter_free().
 */
MOAT_API struct moat_filter *moat_filter_compile(const char *expr,
						 const struct moat_filter_opts *opts,
						 struct moat_error *err);

/* Frees a compiled filter.  NULL is allowed. */
MOAT_API void moat_filter_free(struct moat_filter *f);

/*
 * The classic BPF program (checked with moat_cbpf_check), owned by f; its
 * length in *n.  It returns the snaplen to accept a packet and 0 to reject
 * it, reads the packet with absolute/indirect loads and `len` for the wire
 * length, exactly what SO_ATTACH_FILTER and libpcap's bpf_filter() run.
 */
MOAT_API const struct moat_cbpf_insn *moat_filter_cbpf(const struct moat_filter *f, size_t *n);

/*
 * Writes the tcpdump -d listing of the classic program ("(000) ldh [12]"
 * lines, each ending in '\n') into a malloc'd string the caller frees.
 * NULL on allocation failure.
 */
MOAT_API char *moat_filter_listing(const struct moat_filter *f);

/*
 * The offline-run calling contract of the eBPF program (moat_filter_ebpf):
 *
 *   type MOAT_PROG_MEM, r1 = a buffer laid out as struct moat_filter_pkt,
 *   r2 = the buffer's length, which must be at least
 *   MOAT_FILTER_MEM_LEN(snaplen) (the mem_len it was verified for; pass
 *   moat_filter_mem_len(f) as moat_exec_opts.mem_len).  r0 on exit is the
 *   classic program's return value: snaplen to accept, 0 to reject.
 *
 * The header's caplen and wirelen are the two last words of a pcap record
 * header, so a savefile record read into memory at (record + 8) is already
 * in this layout (in the file's byte order, host order for files written
 * on this machine).  The program never reads past data[caplen]: a load
 * beyond the captured bytes rejects the packet, as in classic BPF.  A
 * caplen above snaplen is treated as snaplen.
 */
struct moat_filter_pkt {
	uint32_t caplen;  /* captured bytes in data[] */
	uint32_t wirelen; /* length on the wire: what `len`, `less`, `greater` test */
	uint8_t data[];
};
#define MOAT_FILTER_MEM_LEN(snaplen) ((uint64_t)sizeof(struct moat_filter_pkt) + (snaplen))

/* MOAT_FILTER_MEM_LEN() of the filter's snaplen. */
MOAT_API uint64_t moat_filter_mem_len(const struct moat_filter *f);

/*
 * Builds the eBPF program of the contract above and verifies it
 * (moat_verify with mem_len = moat_filter_mem_len(f)).  Returns NULL on
 * error (ENOMEM, or a verifier rejection, which would be a compiler bug).
 * The caller frees it with moat_prog_free().
 */
MOAT_API struct moat_prog *moat_filter_ebpf(const struct moat_filter *f, struct moat_error *err);

/*
 * Runs the classic program on one packet in C (no VM): returns the
 * program's result (0 = reject).  `pkt` holds caplen bytes; wirelen is
 * the on-the-wire length.  For tests and small tools; the JIT is faster.
 */
MOAT_API uint32_t moat_filter_run(const struct moat_filter *f, const uint8_t *pkt,
				  uint32_t caplen, uint32_t wirelen);

/* Maps a link-type name without DLT_ ("EN10MB", "LINUX_SLL2", "RAW") to its
 * number; returns 0 on success or -EINVAL (err says which name). */
MOAT_API int moat_filter_linktype_parse(const char *name, int *linktype,
					struct moat_error *err);

#endif
