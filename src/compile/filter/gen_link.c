/*
 * Link-layer knowledge: where each supported link type keeps its protocol
 * field and payload, how "this frame carries protocol P" is tested
 * (including Ethernet's 802.2 LLC/SNAP encodings for values <= 1500),
 * Ethernet addresses, broadcast and multicast, 802.1Q tags and MPLS
 * labels (which move every later offset, as in libpcap), and the
 * direction fields of Linux cooked captures.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compile/filter/filter_internal.h"

#define ETHERMTU 1500
#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_ATALK 0x809b
#define ETHERTYPE_AARP 0x80f3
#define ETHERTYPE_IPX 0x8137

void *fc_fail(struct fc *fc, int errnum, const char *fmt, ...)
{
	if (fc->failed)
		return NULL;
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fc->failed = -errnum;
	moat_error_at(fc->err, errnum, NULL, 0, fc->col, "%s", msg);
	return NULL;
}

const char *flt_dlt_name(int dlt)
{
	switch (dlt) {
	case MOAT_DLT_NULL: return "DLT_NULL";
	case MOAT_DLT_EN10MB: return "DLT_EN10MB";
	case MOAT_DLT_RAW: case MOAT_DLT_LINKTYPE_RAW: return "DLT_RAW";
	case MOAT_DLT_LOOP: return "DLT_LOOP";
	case MOAT_DLT_LINUX_SLL: return "DLT_LINUX_SLL";
	case MOAT_DLT_LINUX_SLL2: return "DLT_LINUX_SLL2";
	case MOAT_DLT_IPV4: return "DLT_IPV4";
	case MOAT_DLT_IPV6: return "DLT_IPV6";
	default: return "this link type";
	}
}

int flt_link_init(struct fc *fc)
{
	switch (fc->linktype) {
	case MOAT_DLT_EN10MB: fc->off_linktype = 12; fc->off_linkpl = 14; break;
	case MOAT_DLT_LINUX_SLL: fc->off_linktype = 14; fc->off_linkpl = 16; break;
	case MOAT_DLT_LINUX_SLL2: fc->off_linktype = 0; fc->off_linkpl = 20; break;
	case MOAT_DLT_NULL: case MOAT_DLT_LOOP: fc->off_linktype = 0; fc->off_linkpl = 4; break;
	case MOAT_DLT_RAW: case MOAT_DLT_LINKTYPE_RAW: case MOAT_DLT_IPV4: case MOAT_DLT_IPV6:
		fc->off_linktype = NO_OFF;
		fc->off_linkpl = 0;
		break;
	default:
		fc_fail(fc, ENOTSUP, "link type %d is not supported by moat", fc->linktype);
		return -ENOTSUP;
	}
	return 0;
}

static struct ir_pred *cmp(struct fc *fc, uint32_t off, unsigned size, uint32_t k)
{
	return ir_atom_k(fc->ir, ir_load(fc->ir, size, off, NULL), IR_JEQ, k);
}

static struct ir_pred *mcmp(struct fc *fc, uint32_t off, unsigned size, uint32_t k,
			    uint32_t mask)
{
	struct ir_val *v = ir_load(fc->ir, size, off, NULL);
	return ir_atom_k(fc->ir, ir_bin(fc->ir, IR_AND, v, ir_const(fc->ir, mask)), IR_JEQ, k);
}

/* Ethernet 802.3 frame: length field (<= 1500) where the EtherType goes. */
static struct ir_pred *is_llc(struct fc *fc)
{
	return ir_not(fc->ir, ir_atom_k(fc->ir, ir_load(fc->ir, 2, fc->off_linktype, NULL),
					IR_JGT, ETHERMTU));
}

/* SNAP header with OUI and type after the 802.3 length field. */
static struct ir_pred *snap(struct fc *fc, uint32_t oui, uint32_t type)
{
	uint32_t o = fc->off_linkpl;
	return ir_and(fc->ir, cmp(fc, o, 4, 0xaaaa0300u | (oui >> 16)),
		      cmp(fc, o + 4, 4, (oui & 0xffff) << 16 | type));
}

/*
 * Ethernet and Linux cooked captures carry 802.2 frames differently: an
 * Ethernet length field (<= 1500), or the cooked header's protocol
 * LINUX_SLL_P_802_2 (4) / LINUX_SLL_P_802_3 (1, raw NetWare).  The LLC
 * header itself starts at the link payload either way.
 */
static struct ir_pred *llc_frame(struct fc *fc)
{
	if (fc->linktype == MOAT_DLT_EN10MB)
		return is_llc(fc);
	return cmp(fc, fc->off_linktype, 2, 4);
}

static struct ir_pred *llc_linktype(struct fc *fc, uint32_t proto)
{
	struct ir *ir = fc->ir;
	uint32_t lt = fc->off_linktype, llc = fc->off_linkpl;
	bool eth = fc->linktype == MOAT_DLT_EN10MB;
	struct ir_pred *r;
	switch (proto) {
	case 0xfe: case 0x06: case 0xf0: /* ISO, IP and NetBEUI SAPs: DSAP and SSAP */
		return ir_and(ir, llc_frame(fc), cmp(fc, llc, 2, proto << 8 | proto));
	case 0xe0: /* IPX: Ethernet II, SNAP, 802.2 SAP or raw 802.3 */
		if (!eth)
			return ir_or(ir, cmp(fc, lt, 2, ETHERTYPE_IPX),
				     ir_or(ir, cmp(fc, lt, 2, 1),
					   ir_and(ir, llc_frame(fc),
						  ir_or(ir, cmp(fc, llc, 1, 0xe0),
							snap(fc, 0, ETHERTYPE_IPX)))));
		r = ir_or(ir, snap(fc, 0, ETHERTYPE_IPX),
			  ir_or(ir, cmp(fc, llc, 1, 0xe0), cmp(fc, llc, 2, 0xffff)));
		return ir_or(ir, cmp(fc, lt, 2, ETHERTYPE_IPX), ir_and(ir, is_llc(fc), r));
	case ETHERTYPE_ATALK:
		return ir_or(ir, cmp(fc, lt, 2, proto),
			     ir_and(ir, llc_frame(fc), snap(fc, 0x080007, proto)));
	case ETHERTYPE_AARP:
		return ir_or(ir, cmp(fc, lt, 2, proto), ir_and(ir, llc_frame(fc), snap(fc, 0, proto)));
	default:
		if (proto <= ETHERMTU)
			return ir_and(ir, llc_frame(fc), cmp(fc, llc, 1, proto));
		return cmp(fc, lt, 2, proto);
	}
}

/* PPP protocol numbers of the EtherTypes that have one. */
static uint32_t ppp_type(uint32_t ethertype)
{
	switch (ethertype) {
	case ETHERTYPE_IP: return 0x0021;
	case ETHERTYPE_IPV6: return 0x0057;
	case ETHERTYPE_MPLS: return 0x0281;
	case ETHERTYPE_ATALK: return 0x0029;
	case 0x6003: return 0x0027; /* DECnet */
	case ETHERTYPE_IPX: case 0xe0: return 0x002b;
	default: return ethertype;
	}
}

static struct ir_pred *version_is(struct fc *fc, uint32_t v)
{
	return mcmp(fc, fc->off_linkpl + fc->off_nl, 1, v << 4, 0xf0);
}

/* The family field holds the capturing host's AF_ value; like libpcap
 * on Linux, moat compares with Linux's (AF_INET 2, AF_INET6 10). */
static struct ir_pred *loop_family(struct fc *fc, uint32_t af)
{
	if (fc->linktype == MOAT_DLT_NULL) /* host byte order, little-endian here */
		af = __builtin_bswap32(af);
	return cmp(fc, 0, 4, af);
}

struct ir_pred *gen_linktype(struct fc *fc, uint32_t ethertype)
{
	struct ir *ir = fc->ir;
	if (fc->label_depth > 0) { /* after the bottom label, the version nibble */
		struct ir_pred *bos = mcmp(fc, fc->off_linkpl + fc->off_nl - 2, 1, 1, 0x01);
		if (ethertype == ETHERTYPE_IP)
			return ir_and(ir, bos, version_is(fc, 4));
		if (ethertype == ETHERTYPE_IPV6)
			return ir_and(ir, bos, version_is(fc, 6));
		return fc_fail(fc, EINVAL, "unsupported protocol over mpls");
	}
	if (fc->ppp)
		return cmp(fc, fc->off_linktype, 2, ppp_type(ethertype));
	switch (fc->linktype) {
	case MOAT_DLT_EN10MB: case MOAT_DLT_LINUX_SLL: case MOAT_DLT_LINUX_SLL2:
		return llc_linktype(fc, ethertype);
	case MOAT_DLT_RAW: case MOAT_DLT_LINKTYPE_RAW:
		if (ethertype == ETHERTYPE_IP)
			return version_is(fc, 4);
		if (ethertype == ETHERTYPE_IPV6)
			return version_is(fc, 6);
		return ir_false(ir);
	case MOAT_DLT_IPV4: return ethertype == ETHERTYPE_IP ? ir_true(ir) : ir_false(ir);
	case MOAT_DLT_IPV6: return ethertype == ETHERTYPE_IPV6 ? ir_true(ir) : ir_false(ir);
	case MOAT_DLT_NULL: case MOAT_DLT_LOOP:
		if (ethertype == ETHERTYPE_IP)
			return loop_family(fc, 2);
		if (ethertype == ETHERTYPE_IPV6)
			return loop_family(fc, 10);
		return ir_false(ir);
	default: return fc_fail(fc, ENOTSUP, "link type not supported");
	}
}

static bool is_ether(const struct fc *fc)
{
	return fc->linktype == MOAT_DLT_EN10MB && !fc->ppp;
}

struct ir_pred *gen_pppoe(struct fc *fc, bool session, uint32_t id, bool has_id)
{
	struct ir *ir = fc->ir;
	bool framed = fc->linktype == MOAT_DLT_EN10MB || fc->linktype == MOAT_DLT_LINUX_SLL ||
		      fc->linktype == MOAT_DLT_LINUX_SLL2;
	if (!framed || fc->ppp || fc->label_depth)
		return fc_fail(fc, EINVAL, "'%s' not supported on %s", session ? "pppoes" : "pppoed",
			       fc->ppp ? "DLT_PPP" : flt_dlt_name(fc->linktype));
	if (!session)
		return gen_linktype(fc, 0x8863);
	if (has_id && id > 65535)
		return fc_fail(fc, EINVAL, "PPPoE session number %u greater than maximum 65535", id);
	struct ir_pred *r = gen_linktype(fc, 0x8864);
	if (has_id) /* version/type, code, session id: the low 16 bits of the first word */
		r = ir_and(ir, r, mcmp(fc, fc->off_linkpl, 4, id, 0xffff));
	/* What follows is PPP: the protocol field after the 6-byte PPPoE header. */
	fc->ppp = true;
	fc->off_linktype = fc->off_linkpl + 6;
	fc->off_linkpl += 8;
	fc->off_nl = 0;
	return r;
}

struct ir_pred *gen_link_broadcast(struct fc *fc)
{
	if (!is_ether(fc))
		return fc_fail(fc, EINVAL, "not a broadcast link");
	return ir_and(fc->ir, cmp(fc, 2, 4, 0xffffffffu), cmp(fc, 0, 2, 0xffff));
}

struct ir_pred *gen_link_multicast(struct fc *fc)
{
	if (!is_ether(fc))
		return fc_fail(fc, EINVAL,
			       "link-layer multicast filters supported only on ethernet/FDDI/"
			       "token ring/ARCNET/802.11/ATM LANE/Fibre Channel");
	return ir_atom_k(fc->ir, ir_load(fc->ir, 1, 0, NULL), IR_JSET, 1);
}

static struct ir_pred *mac_at(struct fc *fc, uint32_t off, const uint8_t m[6])
{
	uint32_t lo = (uint32_t)m[2] << 24 | (uint32_t)m[3] << 16 | (uint32_t)m[4] << 8 | m[5];
	return ir_and(fc->ir, cmp(fc, off + 2, 4, lo), cmp(fc, off, 2, (uint32_t)m[0] << 8 | m[1]));
}

struct ir_pred *gen_ehost(struct fc *fc, const uint8_t mac[6], enum q_dir dir)
{
	if (!is_ether(fc))
		return fc_fail(fc, EINVAL,
			       "ethernet addresses supported only on ethernet/FDDI/token ring/"
			       "802.11/ATM LANE/Fibre Channel");
	switch ((int)dir) {
	case QD_SRC: return mac_at(fc, 6, mac);
	case QD_DST: return mac_at(fc, 0, mac);
	case QD_AND: return ir_and(fc->ir, mac_at(fc, 6, mac), mac_at(fc, 0, mac));
	case QD_DEFAULT: case QD_OR: break;
	}
	return ir_or(fc->ir, mac_at(fc, 6, mac), mac_at(fc, 0, mac));
}

struct ir_pred *gen_vlan(struct fc *fc, uint32_t id, bool has_id)
{
	struct ir *ir = fc->ir;
	if (fc->label_depth > 0)
		return fc_fail(fc, EINVAL, "no VLAN match after MPLS");
	if (fc->ppp)
		return fc_fail(fc, EINVAL, "'vlan' not supported on DLT_PPP");
	if (!is_ether(fc))
		return fc_fail(fc, EINVAL, "no VLAN support for this link type");
	if (has_id && id > 4095)
		return fc_fail(fc, EINVAL, "VLAN tag %u greater than maximum 4095", id);
	uint32_t lt = fc->off_linktype;
	struct ir_pred *r = ir_or(ir, cmp(fc, lt, 2, 0x8100),
				  ir_or(ir, cmp(fc, lt, 2, 0x88a8), cmp(fc, lt, 2, 0x9100)));
	if (has_id)
		r = ir_and(ir, r, mcmp(fc, lt + 2, 2, id, 0x0fff));
	fc->off_linktype += 4;
	fc->off_linkpl += 4;
	fc->vlan_seen = true;
	return r;
}

struct ir_pred *gen_mpls(struct fc *fc, uint32_t label, bool has_label)
{
	struct ir *ir = fc->ir;
	struct ir_pred *r;
	if (fc->label_depth > 0) /* the previous label must not be the bottom of the stack */
		r = mcmp(fc, fc->off_linkpl + fc->off_nl - 2, 1, 0, 0x01);
	else if (fc->linktype == MOAT_DLT_EN10MB || fc->ppp) /* Ethernet, or PPP inside PPPoE */
		r = gen_linktype(fc, ETHERTYPE_MPLS);
	else
		return fc_fail(fc, EINVAL, "'mpls' not supported on %s", flt_dlt_name(fc->linktype));
	if (has_label && label > 1048575)
		return fc_fail(fc, EINVAL, "MPLS label %u greater than maximum 1048575", label);
	if (has_label)
		r = ir_and(ir, r, mcmp(fc, fc->off_linkpl + fc->off_nl, 4, label << 12, 0xfffff000u));
	fc->off_nl += 4;
	fc->label_depth++;
	return r;
}

/*
 * Linux socket filters read metadata through "ancillary" absolute loads at
 * SKF_AD_OFF (-4096) plus a field number; libpcap uses them for direction
 * and interface index on link types whose header carries neither, as
 * pcap_compile() does on Linux for a live or dead handle.  The kernel
 * answers them when the program is attached to a socket; run over a
 * captured packet (pcap_offline_filter, moat's interpreter and eBPF
 * translation) they lie past the packet, so the program rejects it.
 */
#define SKF_AD_OFF 0xfffff000u
#define SKF_AD_PKTTYPE 4
#define SKF_AD_IFINDEX 8
#define PACKET_OUTGOING 4

struct ir_pred *gen_inbound(struct fc *fc, bool outbound)
{
	struct ir_pred *out;
	if (fc->linktype == MOAT_DLT_LINUX_SLL)
		out = cmp(fc, 0, 2, PACKET_OUTGOING);
	else if (fc->linktype == MOAT_DLT_LINUX_SLL2)
		out = cmp(fc, 10, 1, PACKET_OUTGOING);
	else
		out = cmp(fc, SKF_AD_OFF + SKF_AD_PKTTYPE, 2, PACKET_OUTGOING);
	return outbound ? out : ir_not(fc->ir, out);
}

struct ir_pred *gen_ifindex(struct fc *fc, uint32_t idx)
{
	if (fc->linktype == MOAT_DLT_LINUX_SLL2)
		return cmp(fc, 4, 4, idx);
	return cmp(fc, SKF_AD_OFF + SKF_AD_IFINDEX, 4, idx);
}

/*
 * 802.2 LLC on Ethernet: a length field (<= 1500) and DSAP/SSAP not
 * 0xFFFF (raw NetWare 802.3); optionally a frame kind or command from the
 * control byte (I, S, U frames; S and U commands under their masks).
 */
struct ir_pred *gen_llc(struct fc *fc, const char *kind)
{
	static const struct { const char *name; uint32_t val, mask; } kinds[] = {
		{ "i", 0, 0x01 }, { "s", 0x01, 0x03 }, { "u", 0x03, 0x03 },
		{ "rr", 0x01, 0x0f }, { "rnr", 0x05, 0x0f }, { "rej", 0x09, 0x0f },
		{ "ui", 0x03, 0xef }, { "ua", 0x63, 0xef }, { "disc", 0x43, 0xef },
		{ "dm", 0x0f, 0xef }, { "sabme", 0x6f, 0xef }, { "test", 0xe3, 0xef },
		{ "xid", 0xaf, 0xef }, { "frmr", 0x87, 0xef },
	};
	struct ir *ir = fc->ir;
	if (!is_ether(fc) || fc->label_depth)
		return fc_fail(fc, EINVAL, "'llc' not supported on %s", flt_dlt_name(fc->linktype));
	uint32_t llc = fc->off_linkpl;
	struct ir_pred *r = ir_and(ir, is_llc(fc), ir_not(ir, cmp(fc, llc, 2, 0xffff)));
	if (!kind)
		return r;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].name))
			return ir_and(ir, r, mcmp(fc, llc + 2, 1, kinds[i].val, kinds[i].mask));
	return fc_fail(fc, EINVAL, "unknown 802.2 LLC frame kind '%s'", kind);
}

bool flt_llc_kind(const char *s)
{
	static const char *const names[] = { "i", "s", "u", "rr", "rnr", "rej", "ui", "ua",
					     "disc", "dm", "sabme", "test", "xid", "frmr" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return true;
	return false;
}
