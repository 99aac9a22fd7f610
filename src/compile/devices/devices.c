/*
 * The device allowlist as a BPF_PROG_TYPE_CGROUP_DEVICE program, for cgroup
 * v2 (which has no devices.allow file).  The kernel calls it on every open
 * and mknod of a device node by a process of the cgroup, with
 * struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
 * where access_type = access << 16 | type.  The program is a straight run
 * of rule blocks, each falling through to the next on a mismatch:
 *
 *     r2 = access (ctx->access_type >> 16)   r3 = type (ctx->access_type & 0xffff)
 *     r4 = major                              r5 = minor
 *     rule:  if r3 != TYPE goto next
 *            if r4 != MAJOR goto next         (left out for "any major")
 *            if r5 != MINOR goto next         (left out for "any minor")
 *            r1 = r2 & ~ALLOWED; if r1 != 0 goto next
 *            r0 = 1; exit                     (allow)
 *     next:  ...
 *     r0 = 0; exit                            (deny)
 *
 * moat's verifier proves it before it is returned, and moat_kernel_load()
 * proves it again at the kernel boundary.
 */
#include <errno.h>
#include <stdlib.h>

#include <moat/devices.h>
#include <moat/insn.h>
#include <moat/prog.h>
#include <moat/verify.h>

/* struct bpf_cgroup_dev_ctx encodings (linux/bpf.h) */
enum { DEV_BLOCK = 1, DEV_CHAR = 2, ACC_MKNOD = 1, ACC_READ = 2, ACC_WRITE = 4 };

#define INSN(c, d, s, o, i) ((struct moat_insn){ .code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i) })
#define LDXW(d, s, o) INSN(MOAT_LDX | MOAT_W | MOAT_MEM, d, s, o, 0)
#define ALU32K(op, d, i) INSN(MOAT_ALU | (op) | MOAT_K, d, 0, 0, i)
#define MOV32X(d, s) INSN(MOAT_ALU | MOAT_MOV | MOAT_X, d, s, 0, 0)
#define MOV64K(d, i) INSN(MOAT_ALU64 | MOAT_MOV | MOAT_K, d, 0, 0, i)
#define JNEK(d, i, o) INSN(MOAT_JMP | MOAT_JNE | MOAT_K, d, 0, o, i)
#define EXIT() INSN(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0)

static int32_t bpf_access(unsigned a)
{
	return (a & MOAT_DEV_READ ? ACC_READ : 0) | (a & MOAT_DEV_WRITE ? ACC_WRITE : 0) |
	       (a & MOAT_DEV_MKNOD ? ACC_MKNOD : 0);
}

/* Appends one rule's block at v[*k]. */
static void emit_rule(struct moat_insn *v, size_t *k, const struct moat_device_rule *r)
{
	int16_t len = (int16_t)(6 + (r->major >= 0) + (r->minor >= 0));
	size_t start = *k;
#define SKIP ((int16_t)(len - (int16_t)(*k - start) - 1))
	v[*k] = JNEK(3, r->type == 'b' ? DEV_BLOCK : DEV_CHAR, SKIP), (*k)++;
	if (r->major >= 0)
		v[*k] = JNEK(4, (int32_t)r->major, SKIP), (*k)++;
	if (r->minor >= 0)
		v[*k] = JNEK(5, (int32_t)r->minor, SKIP), (*k)++;
	v[(*k)++] = MOV32X(1, 2);
	v[(*k)++] = ALU32K(MOAT_AND, 1, ~bpf_access(r->access) & 7);
	v[*k] = JNEK(1, 0, SKIP), (*k)++;
#undef SKIP
	v[(*k)++] = MOV64K(0, 1);
	v[(*k)++] = EXIT();
}

struct moat_prog *moat_devices_prog(const struct moat_device_rule *rules, size_t n,
				    struct moat_error *err)
{
	struct moat_insn *v = calloc(8 + 8 * n, sizeof(*v));
	if (!v) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	size_t k = 0;
	v[k++] = LDXW(2, 1, 0);
	v[k++] = MOV32X(3, 2);
	v[k++] = ALU32K(MOAT_AND, 3, 0xffff);
	v[k++] = ALU32K(MOAT_RSH, 2, 16);
	v[k++] = LDXW(4, 1, 4);
	v[k++] = LDXW(5, 1, 8);
	for (size_t i = 0; i < n; i++)
		emit_rule(v, &k, &rules[i]);
	v[k++] = MOV64K(0, 0);
	v[k++] = EXIT();
	struct moat_prog *p = moat_prog_new(MOAT_PROG_CGROUP_DEVICE, v, k, err);
	free(v);
	if (p && (moat_prog_set_name(p, "moat_devices", err) < 0 || moat_verify(p, NULL, NULL, err) < 0)) {
		moat_error_prefix(err, "device program");
		moat_prog_free(p);
		return NULL;
	}
	return p;
}
