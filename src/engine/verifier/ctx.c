/*
 * Program contexts: what r1 points to on entry for each program type, which
 * fields a program may read or write, and which loads give packet pointers.
 * Layouts are the kernel's uapi structures (struct __sk_buff, struct xdp_md,
 * struct bpf_cgroup_dev_ctx, struct seccomp_data).
 */
#include <stdio.h>

#include "engine/verifier/verifier_internal.h"

/* struct __sk_buff's size (its fields: ctx_skb.c) */
enum { SKB_SIZE = 192 };

/* Tracepoint records have no fixed layout here: the caller says how long
 * (MOAT_PROG_MEM-style mem_len), else this many bytes are readable. */
#define TRACEPOINT_CTX_DEFAULT 256
#define RAW_TP_ARGS 12

uint32_t vctx_size(const struct venv *env)
{
	switch (env->type) {
	case MOAT_PROG_MEM: return (uint32_t)env->mem_len;
	case MOAT_PROG_SOCKET_FILTER:
	case MOAT_PROG_SCHED_CLS:
	case MOAT_PROG_CGROUP_SKB: return SKB_SIZE;
	case MOAT_PROG_XDP: return 24;
	case MOAT_PROG_CGROUP_DEVICE: return 12;
	case MOAT_PROG_TRACEPOINT:
		return env->mem_len ? (uint32_t)env->mem_len : TRACEPOINT_CTX_DEFAULT;
	case MOAT_PROG_RAW_TRACEPOINT: return RAW_TP_ARGS * 8;
	case MOAT_PROG_SECCOMP: return 64;
	case MOAT_PROG_TYPE_COUNT: break;
	}
	return 0;
}

bool vctx_has_packet(enum moat_prog_type type)
{
	return type == MOAT_PROG_XDP || type == MOAT_PROG_SCHED_CLS || type == MOAT_PROG_CGROUP_SKB;
}

bool vctx_has_ld_abs(enum moat_prog_type type)
{
	return type == MOAT_PROG_MEM || type == MOAT_PROG_SOCKET_FILTER ||
	       type == MOAT_PROG_SCHED_CLS;
}

bool vctx_access(const struct venv *env, int64_t off, unsigned size, bool write,
		 struct vctx_field *f, char *why, size_t len)
{
	uint32_t sz = vctx_size(env);
	if (off < 0 || off + size > sz) {
		snprintf(why, len, "context access at offset %lld size %u is outside the %u-byte %s context",
			 (long long)off, size, sz, moat_prog_type_name(env->type));
		return false;
	}
	f->type = V_SCALAR;
	f->writable = env->type == MOAT_PROG_MEM;
	switch (env->type) {
	case MOAT_PROG_SOCKET_FILTER:
	case MOAT_PROG_SCHED_CLS:
	case MOAT_PROG_CGROUP_SKB:
		return vctx_skb_access(env, off, size, write, f, why, len);
	case MOAT_PROG_XDP:
		if (size != 4 || off % 4) {
			snprintf(why, len, "struct xdp_md fields are read with aligned 4-byte loads");
			return false;
		}
		f->type = off == 0 ? V_PKT : off == 4 ? V_PKT_END : off == 8 ? V_PKT_META : V_SCALAR;
		break;
	case MOAT_PROG_RAW_TRACEPOINT:
		if (size != 8 || off % 8) {
			snprintf(why, len, "raw tracepoint arguments are read with aligned 8-byte loads");
			return false;
		}
		break;
	case MOAT_PROG_SECCOMP:
		if (size != 4 || off % 4) {
			snprintf(why, len, "struct seccomp_data is read with aligned 4-byte loads");
			return false;
		}
		break;
	case MOAT_PROG_CGROUP_DEVICE:
		if (off % size) {
			snprintf(why, len, "misaligned access to struct bpf_cgroup_dev_ctx");
			return false;
		}
		break;
	case MOAT_PROG_TRACEPOINT:
		if (off < 8) {
			snprintf(why, len, "the first 8 bytes of a tracepoint record are not readable "
				 "(the kernel keeps a pointer there); fields start at offset 8");
			return false;
		}
		if (off % size) {
			snprintf(why, len, "misaligned %u-byte access to the tracepoint record", size);
			return false;
		}
		break;
	case MOAT_PROG_MEM:
	case MOAT_PROG_TYPE_COUNT:
		break;
	}
	if (write && !f->writable) {
		snprintf(why, len, "the %s context is read-only", moat_prog_type_name(env->type));
		return false;
	}
	return true;
}
