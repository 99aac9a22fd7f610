/*
 * struct __sk_buff: which fields socket filters, tc (sched_cls) and
 * cgroup_skb programs may read or write, at which sizes, as the kernel's
 * bpf_skb_is_valid_access and sk_filter_/tc_cls_act_/cg_skb_is_valid_access
 * decide.  moat's VM runs these programs on struct moat_skb_ctx, whose
 * fields lie at the uapi offsets (checked below), so the offsets here are
 * taken from it.
 */
#include <stddef.h>
#include <stdio.h>

#include <moat/vm.h>

#include "util/cleanup.h"

#include "engine/verifier/verifier_internal.h"

#define O(f) offsetof(struct moat_skb_ctx, f)

/* moat_skb_ctx mirrors the uapi layout up to hwtstamp */
_Static_assert(O(mark) == 8 && O(priority) == 32 && O(cb) == 48 && O(hash) == 68 &&
		       O(tc_classid) == 72 && O(data32) == 76 && O(data_end32) == 80 &&
		       O(napi_id) == 84 && O(family) == 88 && O(remote_ip6) == 100 &&
		       O(local_port) == 136 && O(data_meta32) == 140 && O(tstamp) == 152 &&
		       O(wire_len) == 160 && O(sk_) == 168 && O(gso_size) == 176 &&
		       O(tstamp_type) == 180 && O(hwtstamp) == 184 && O(data) == 192,
	       "struct moat_skb_ctx has struct __sk_buff's offsets");

enum { T_SOCK = 1, T_TC = 2, T_CG = 4, T_ALL = 7 };

/* How a field may be accessed. */
enum skb_size {
	SZ_NARROW, /* a 4-byte field: 4-byte writes, 1-, 2- or 4-byte reads */
	SZ_EXACT,  /* 4- or 8-byte accesses of the field's whole size only */
	SZ_ANY,    /* cb[]: any aligned access inside the array */
};

struct skb_field {
	const char *name;
	uint16_t off, size;
	uint8_t read, write; /* T_* of the program types allowed */
	uint8_t how;         /* enum skb_size */
	uint8_t type;        /* enum vtype a read gives */
};

static const struct skb_field skb_fields[] = {
	{ "len", O(len), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "pkt_type", O(pkt_type), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "mark", O(mark), 4, T_ALL, T_TC | T_CG, SZ_NARROW, V_SCALAR },
	{ "queue_mapping", O(queue_mapping), 4, T_ALL, T_TC, SZ_NARROW, V_SCALAR },
	{ "protocol", O(protocol), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "vlan_present", O(vlan_present), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "vlan_tci", O(vlan_tci), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "vlan_proto", O(vlan_proto), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "priority", O(priority), 4, T_ALL, T_TC | T_CG, SZ_NARROW, V_SCALAR },
	{ "ingress_ifindex", O(ingress_ifindex), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "ifindex", O(ifindex), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "tc_index", O(tc_index), 4, T_ALL, T_TC, SZ_NARROW, V_SCALAR },
	{ "cb", O(cb), 20, T_ALL, T_ALL, SZ_ANY, V_SCALAR },
	{ "hash", O(hash), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "tc_classid", O(tc_classid), 4, T_TC, T_TC, SZ_NARROW, V_SCALAR },
	{ "data", O(data32), 4, T_TC | T_CG, 0, SZ_EXACT, V_PKT },
	{ "data_end", O(data_end32), 4, T_TC | T_CG, 0, SZ_EXACT, V_PKT_END },
	{ "napi_id", O(napi_id), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "family", O(family), 4, T_CG, 0, SZ_NARROW, V_SCALAR },
	{ "remote_ip4", O(remote_ip4), 4, T_CG, 0, SZ_EXACT, V_SCALAR },
	{ "local_ip4", O(local_ip4), 4, T_CG, 0, SZ_EXACT, V_SCALAR },
	{ "remote_ip6", O(remote_ip6), 16, T_CG, 0, SZ_EXACT, V_SCALAR },
	{ "local_ip6", O(local_ip6), 16, T_CG, 0, SZ_EXACT, V_SCALAR },
	{ "remote_port", O(remote_port), 4, T_CG, 0, SZ_NARROW, V_SCALAR },
	{ "local_port", O(local_port), 4, T_CG, 0, SZ_NARROW, V_SCALAR },
	{ "data_meta", O(data_meta32), 4, T_TC, 0, SZ_EXACT, V_PKT_META },
	{ "flow_keys", O(flow_keys_), 8, 0, 0, SZ_EXACT, V_SCALAR },
	{ "tstamp", O(tstamp), 8, T_TC | T_CG, T_TC | T_CG, SZ_EXACT, V_SCALAR },
	{ "wire_len", O(wire_len), 4, T_TC, 0, SZ_NARROW, V_SCALAR },
	{ "gso_segs", O(gso_segs), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "sk", O(sk_), 8, 0, 0, SZ_EXACT, V_SCALAR },
	{ "gso_size", O(gso_size), 4, T_ALL, 0, SZ_NARROW, V_SCALAR },
	{ "tstamp_type", O(tstamp_type), 4, 0, 0, SZ_EXACT, V_SCALAR },
	{ "hwtstamp", O(hwtstamp), 8, T_TC | T_CG, 0, SZ_EXACT, V_SCALAR },
};

static unsigned type_bit(enum moat_prog_type t)
{
	return t == MOAT_PROG_SOCKET_FILTER ? T_SOCK : t == MOAT_PROG_SCHED_CLS ? T_TC : T_CG;
}

static const struct skb_field *skb_field_at(int64_t off)
{
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(skb_fields); i++)
		if (off >= skb_fields[i].off && off < skb_fields[i].off + skb_fields[i].size)
			return &skb_fields[i];
	return NULL;
}

/* Whether an access of size bytes at off fits how field f may be accessed. */
static bool size_ok(const struct skb_field *f, int64_t off, unsigned size, bool write)
{
	switch ((enum skb_size)f->how) {
	case SZ_ANY:
		return off + size <= f->off + f->size;
	case SZ_EXACT:
		return size == (f->size == 8 ? 8u : 4u);
	case SZ_NARROW:
		return write ? size == 4 : size <= 4;
	}
	return false;
}

bool vctx_skb_access(const struct venv *env, int64_t off, unsigned size, bool write,
		     struct vctx_field *fld, char *why, size_t len)
{
	const char *tn = moat_prog_type_name(env->type);
	unsigned t = type_bit(env->type);
	fld->type = V_SCALAR;
	fld->writable = false;
	if (off % size) {
		snprintf(why, len, "invalid bpf_context access off=%lld size=%u: misaligned "
			 "__sk_buff access", (long long)off, size);
		return false;
	}
	const struct skb_field *f = skb_field_at(off);
	if (!f || (!f->read && !f->write)) {
		snprintf(why, len, "invalid bpf_context access off=%lld size=%u: __sk_buff%s%s is "
			 "not accessible%s", (long long)off, size, f ? "." : " padding",
			 f ? f->name : "", f && f->off == O(sk_) ? " (moat does not model sockets)" : "");
		return false;
	}
	if (f->type != V_SCALAR && !(f->read & t)) {
		snprintf(why, len, "invalid bpf_context access off=%lld size=%u: %s programs "
			 "cannot access packet data directly (use load_bytes or LD_ABS)",
			 (long long)off, size, tn);
		return false;
	}
	if (write ? !(f->write & t) : !(f->read & t)) {
		snprintf(why, len, "invalid bpf_context access off=%lld size=%u: __sk_buff.%s is "
			 "%s %s programs", (long long)off, size, f->name,
			 write ? "read-only for" : "not readable in", tn);
		return false;
	}
	if (!size_ok(f, off, size, write)) {
		snprintf(why, len, "invalid bpf_context access off=%lld size=%u: __sk_buff.%s is "
			 "%s", (long long)off, size, f->name,
			 f->how == SZ_ANY ? "20 bytes long" :
			 f->how == SZ_EXACT ? (f->size == 8 ? "accessed with 8-byte loads"
							    : "read with 4-byte loads") :
			 "written with 4-byte stores and read with 1-, 2- or 4-byte loads");
		return false;
	}
	fld->type = (enum vtype)f->type;
	fld->writable = (f->write & t) != 0;
	return true;
}
