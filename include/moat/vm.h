/*
 * The VM: a helper registry plus a print sink, in which programs are made
 * executable (verified, then pre-decoded for the interpreter or compiled by
 * the JIT) and run.
 */
#ifndef MOAT_VM_H
#define MOAT_VM_H

#include <moat/prog.h>
#include <moat/helper.h>
#include <moat/map.h>

struct moat_vm_opts {
	size_t sz;
	struct moat_sink print;  /* trace_printk output; dropped when write is NULL */
	bool no_kernel_helpers;  /* start with an empty helper registry */
};

/* Creates a VM with the kernel helpers registered (unless told otherwise).
 * opts may be NULL.  Free with moat_vm_free() after every exec made in it. */
MOAT_API struct moat_vm *moat_vm_new(const struct moat_vm_opts *opts, struct moat_error *err);
MOAT_API void moat_vm_free(struct moat_vm *vm);

/*
 * Registers (or replaces) helper `id`.  `proto` is copied (its name too);
 * `user` is handed to fn through moat_call_user().
 */
MOAT_API int moat_vm_add_helper(struct moat_vm *vm, uint32_t id,
				const struct moat_helper_proto *proto, moat_helper_fn fn,
				void *user, struct moat_error *err);

/* The prototype of helper `id`, or NULL when not registered.  Owned by vm. */
MOAT_API const struct moat_helper_proto *moat_vm_helper_proto(const struct moat_vm *vm,
							      uint32_t id);

/*
 * What r1 points to when an xdp program runs in moat's VM.  The program
 * reads struct xdp_md as it would in the kernel; for verified programs moat
 * rewrites the loads of data, data_end and data_meta to read the pointers
 * kept here, as the kernel's convert_ctx_access does with struct xdp_buff,
 * so they run unchecked or as native code.  Pass sizeof(struct
 * moat_xdp_ctx) as ctx_len; the packet may be written in place.
 */
struct moat_xdp_ctx {
	uint32_t md[6]; /* struct xdp_md: md[3] ingress_ifindex, md[4] rx_queue_index,
			 * md[5] egress_ifindex; md[0..2] are not read */
	void *data, *data_end, *data_meta;
};

/* Points c at `len` bytes of packet at `pkt`, with no metadata and the
 * other fields zero. */
static inline void moat_xdp_ctx_init(struct moat_xdp_ctx *c, void *pkt, size_t len)
{
	*c = (struct moat_xdp_ctx){ .data = pkt, .data_end = (char *)pkt + len, .data_meta = pkt };
}

/*
 * What r1 points to when a socket filter, tc (sched_cls) or cgroup_skb
 * program runs in moat's VM.  The fields sit at their struct __sk_buff
 * offsets, so programs read and write them as in the kernel; for verified
 * programs moat rewrites the 4-byte loads of data, data_end and data_meta
 * into 8-byte loads of the native pointers after them (one instruction for
 * one, as the kernel's convert_ctx_access does with struct sk_buff), so
 * they run unchecked or as native code.  LD_ABS/LD_IND read the packet
 * [data, data_end) big-endian.  Pass sizeof(struct moat_skb_ctx) as
 * ctx_len; the packet and the writable fields (mark, priority, cb, ...,
 * per program type) may be written in place.
 */
struct moat_skb_ctx {
	uint32_t len, pkt_type, mark, queue_mapping;
	uint32_t protocol;              /* network byte order, as the kernel's skb->protocol */
	uint32_t vlan_present, vlan_tci, vlan_proto;
	uint32_t priority, ingress_ifindex, ifindex, tc_index;
	uint32_t cb[5];
	uint32_t hash, tc_classid;
	uint32_t data32, data_end32;    /* the uapi's 32-bit words: not read (see data) */
	uint32_t napi_id;
	uint32_t family, remote_ip4, local_ip4; /* cgroup_skb: the socket's (network order) */
	uint32_t remote_ip6[4], local_ip6[4];
	uint32_t remote_port, local_port;
	uint32_t data_meta32;           /* not read (see data_meta) */
	uint64_t flow_keys_;            /* the uapi's pointers: programs may not read them */
	uint64_t tstamp;
	uint32_t wire_len, gso_segs;
	uint64_t sk_;
	uint32_t gso_size;
	uint8_t tstamp_type, pad_[3];
	uint64_t hwtstamp;
	void *data, *data_end, *data_meta; /* the packet; data_meta <= data <= data_end */
};

/*
 * Points c at the `len`-byte Ethernet frame at `pkt`, as BPF_PROG_TEST_RUN
 * builds a tc program's skb: len and wire_len = len, protocol = the frame's
 * EtherType (0 when shorter than a header), no metadata, every other field
 * zero.  Set the others afterwards; socket filters and cgroup_skb programs
 * see the packet from its network header (moat_skb_ctx_pull(c, 14)).
 */
static inline void moat_skb_ctx_init(struct moat_skb_ctx *c, void *pkt, size_t len)
{
	*c = (struct moat_skb_ctx){ .len = (uint32_t)len, .wire_len = (uint32_t)len, .data = pkt,
				    .data_end = (char *)pkt + len, .data_meta = pkt };
	uint16_t be = 0; /* the EtherType's bytes as they lie in the frame */
	if (len >= 14)
		__builtin_memcpy(&be, (const char *)pkt + 12, 2);
	c->protocol = be;
}

/* Drops n bytes from the front of c's packet, as the kernel's skb_pull
 * (eth_type_trans pulls the Ethernet header before socket filters and
 * cgroup_skb programs run): data and data_meta += n, len -= n.  Does
 * nothing when the packet is shorter than n. */
static inline void moat_skb_ctx_pull(struct moat_skb_ctx *c, uint32_t n)
{
	if (n > c->len || (size_t)((char *)c->data_end - (char *)c->data) < n)
		return;
	c->data = (char *)c->data + n;
	c->data_meta = c->data;
	c->len -= n;
}

enum moat_exec_mode {
	MOAT_EXEC_INTERP,  /* pre-decoded threaded interpreter, no per-access checks */
	MOAT_EXEC_CHECKED, /* interpreter that bounds-checks every memory access */
	MOAT_EXEC_JIT,     /* x86-64 native code */
};

struct moat_exec_opts {
	size_t sz;
	enum moat_exec_mode mode;
	bool unverified;        /* skip moat_verify(); only allowed with MOAT_EXEC_CHECKED */
	bool harden;            /* JIT: blind constants */
	uint64_t mem_len;       /* MOAT_PROG_MEM: length of the buffer r1 will point to */
	struct moat_sink trace; /* interpreter: one line per executed instruction */
	int verify_log_level;   /* 0, 1 or 2, written to verify_log */
	struct moat_sink verify_log;
};

/*
 * Makes `prog` executable in `vm`: verifies it (the error names the
 * instruction and the rule), then prepares the chosen mode.  prog and vm
 * must outlive the exec.  Free with moat_exec_free().
 */
MOAT_API struct moat_exec *moat_exec_new(struct moat_vm *vm, const struct moat_prog *prog,
					 const struct moat_exec_opts *opts,
					 struct moat_error *err);
MOAT_API void moat_exec_free(struct moat_exec *exec);

/*
 * Runs the program once.  For MOAT_PROG_MEM, r1 = ctx and r2 = ctx_len;
 * otherwise r1 = ctx, the type's context structure, and packet data are
 * what it points to.  *ret receives r0.  Returns 0, or a negative error
 * when the checked interpreter catches a fault (the message names the
 * instruction) or a helper aborts the run.
 */
MOAT_API int moat_exec_run(struct moat_exec *exec, void *ctx, size_t ctx_len, uint64_t *ret,
			   struct moat_error *err);

/* The mode the exec runs in. */
MOAT_API enum moat_exec_mode moat_exec_mode(const struct moat_exec *exec);

/* A program compiled to a plain C function: fn(ctx, ctx_len) returns r0. */
typedef uint64_t (*moat_native_fn)(void *ctx, size_t ctx_len);

/*
 * The native function of a JIT exec whose run needs nothing but its code
 * (verified, no helper or local calls, no legacy packet loads other than
 * an skb program's, which read its context): calling it
 * is exactly moat_exec_run() minus its checks, the fastest way to run a
 * filter in a loop.  NULL for every other exec.  The caller keeps
 * moat_exec_run()'s contract: ctx_len at least the mem_len the program
 * was verified for; the exec outlives the calls.
 */
MOAT_API moat_native_fn moat_exec_native(const struct moat_exec *exec);

/* JIT only: the native code and its size, owned by exec; NULL otherwise. */
MOAT_API const void *moat_exec_code(const struct moat_exec *exec, size_t *len);

/* Stores `exec` at index idx of a MOAT_MAP_PROG_ARRAY map (tail-call target);
 * exec == NULL clears the slot.  The exec must outlive its use in the map. */
MOAT_API int moat_prog_array_set(struct moat_map *map, uint32_t idx, struct moat_exec *exec,
				 struct moat_error *err);

#endif
