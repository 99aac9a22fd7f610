/*
 * Socket filters, tc and cgroup_skb programs in moat's VM: struct
 * moat_skb_ctx, the __sk_buff access rules per type, the packet-pointer
 * rewrite, LD_ABS/LD_IND on the context's packet, the same results in the
 * checked interpreter, the unchecked one and the JIT, and the kernel's
 * BPF_PROG_TEST_RUN on the same frames (root).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <moat/moat.h>
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct moat_vm *vm;
static const enum moat_exec_mode modes[] = { MOAT_EXEC_CHECKED, MOAT_EXEC_INTERP, MOAT_EXEC_JIT };
static const char *const mode_names[] = { "checked", "interp", "jit" };
static const enum moat_prog_type skb_types[] = { MOAT_PROG_SOCKET_FILTER, MOAT_PROG_SCHED_CLS,
						 MOAT_PROG_CGROUP_SKB };

static struct moat_prog *as(const char *src, enum moat_prog_type type, struct moat_error *err)
{
	return moat_asm_prog(src, strlen(src), "test.s", type, err);
}

/* A 60-byte IPv4/UDP frame to port 5353, TTL 64, destination MAC zero (the
 * loopback device's address: the kernel's test run makes it PACKET_HOST). */
static void udp_frame(uint8_t f[60], uint16_t dport)
{
	static const uint8_t hdr[42] = {
		0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00,                 /* ethernet */
		0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, /* ipv4 */
		0x30, 0x39, 0, 0, 0, 26, 0, 0,                                /* udp */
	};
	memset(f, 0, 60);
	memcpy(f, hdr, sizeof(hdr));
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	for (int i = 42; i < 60; i++)
		f[i] = (uint8_t)(0xa0 + i);
}

/*
 * Runs p in every mode, each on its own copy of the context *c0 and its
 * packet (the pointers of c0 rebased onto the copy).  Returns false (with
 * a diagnostic) unless every mode ran and all agree on r0, the context and
 * the packet; then *r0, *after and pkt_after hold the result.
 */
static bool run_all(const char *what, const struct moat_prog *p, const struct moat_skb_ctx *c0,
		    uint64_t *r0, struct moat_skb_ctx *after, uint8_t *pkt_after)
{
	uint8_t *base = c0->data_meta;
	size_t span = (size_t)((char *)c0->data_end - (char *)base);
	uint8_t first_pkt[256], buf[256];
	struct moat_skb_ctx first = { 0 };
	uint64_t first_r0 = 0;
	if (span > sizeof(buf))
		return false;
	for (size_t m = 0; m < N(modes); m++) {
		struct moat_error err;
		MOAT_OPTS(moat_exec_opts, eo, .mode = modes[m]);
		struct moat_exec *e = moat_exec_new(vm, p, &eo, &err);
		if (!e) {
			diag("%s: %s: %s", what, mode_names[m], err.msg);
			return false;
		}
		memcpy(buf, base, span);
		struct moat_skb_ctx c = *c0;
		c.data_meta = buf;
		c.data = buf + ((char *)c0->data - (char *)base);
		c.data_end = buf + span;
		uint64_t v = ~0ull;
		int rc = moat_exec_run(e, &c, sizeof(c), &v, &err);
		moat_exec_free(e);
		if (rc < 0) {
			diag("%s: %s: %s", what, mode_names[m], err.msg);
			return false;
		}
		c.data = c.data_end = c.data_meta = NULL;
		if (m == 0) {
			first = c;
			first_r0 = v;
			memcpy(first_pkt, buf, span);
		} else if (v != first_r0 || memcmp(&c, &first, sizeof(c)) ||
			   memcmp(buf, first_pkt, span)) {
			diag("%s: %s differs from checked (r0 %llu vs %llu)", what, mode_names[m],
			     (unsigned long long)v, (unsigned long long)first_r0);
			return false;
		}
	}
	*r0 = first_r0;
	if (after)
		*after = first;
	if (pkt_after)
		memcpy(pkt_after, first_pkt, span);
	return true;
}

/* Every aligned read of 1, 2, 4 and 8 bytes at every offset of __sk_buff:
 * what the verifier accepts reads, in every mode, the bytes the test put
 * there; the pointer words read the pointers. */
static void test_field_reads(void)
{
	static const char *const sz_name[] = { [1] = "b", [2] = "h", [4] = "w", [8] = "dw" };
	uint8_t pkt[60];
	udp_frame(pkt, 5353);
	struct moat_skb_ctx c0;
	moat_skb_ctx_init(&c0, pkt, sizeof(pkt));
	uint8_t *words = (uint8_t *)&c0;
	for (unsigned i = 0; i < 192; i++)
		words[i] = (uint8_t)(i * 7 + 1);
	for (size_t t = 0; t < N(skb_types); t++) {
		int accepted = 0, right = 0;
		for (unsigned size = 1; size <= 8; size *= 2) {
			for (unsigned off = 0; off < 192; off += size) {
				char src[128], what[64];
				/* the value goes to cb[0..1]: cgroup_skb may
				 * only return 0 or 1 */
				snprintf(src, sizeof(src), "ldx%s %%r2, [%%r1+%u]\n"
					 "stxdw [%%r1+48], %%r2\nmov %%r0, 1\nexit\n",
					 sz_name[size], off);
				snprintf(what, sizeof(what), "%s ldx%s +%u",
					 moat_prog_type_name(skb_types[t]), sz_name[size], off);
				struct moat_error err;
				struct moat_prog *p = as(src, skb_types[t], &err);
				if (!p || moat_verify(p, NULL, NULL, &err) < 0) {
					moat_prog_free(p);
					continue;
				}
				accepted++;
				uint64_t want = 0, got = 0, r0;
				memcpy(&want, words + off, size);
				struct moat_skb_ctx after;
				if (run_all(what, p, &c0, &r0, &after, NULL)) {
					memcpy(&got, after.cb, 8);
					if (got == want)
						right++;
					else
						diag("%s: read %#llx, want %#llx", what,
						     (unsigned long long)got, (unsigned long long)want);
				}
				moat_prog_free(p);
			}
		}
		/* 4-byte fields take 4 + 2 + 1 reads, cb[] 20 + 10 + 5 + 2; socket: 16
		 * such fields and cb; tc: 18, cb, 3 pointers, tstamp, hwtstamp;
		 * cgroup_skb: 19, cb, 10 address words, tstamps.  (Packet pointers
		 * may not be stored into cb: test_pointer_reads reads them.) */
		static const int want_accepted[] = { 149, 165, 182 };
		ok(accepted == want_accepted[t] && right == accepted,
		   "%s: %d reads accepted (want %d), all read the bytes set in 3 modes",
		   moat_prog_type_name(skb_types[t]), accepted, want_accepted[t]);
	}
}

/* data/data_end become the packet's native pointers: r0 = data_end - data. */
static void test_pointer_reads(void)
{
	uint8_t pkt[60];
	udp_frame(pkt, 1);
	struct moat_skb_ctx c;
	moat_skb_ctx_init(&c, pkt, sizeof(pkt));
	const enum moat_prog_type types[] = { MOAT_PROG_SCHED_CLS, MOAT_PROG_CGROUP_SKB };
	for (size_t t = 0; t < N(types); t++) {
		struct moat_error err;
		struct moat_prog *p = as("ldxw %r2, [%r1+76]\nldxw %r3, [%r1+80]\n"
					 "sub %r3, %r2\nstxw [%r1+48], %r3\nmov %r0, 1\nexit\n",
					 types[t], &err);
		uint64_t r0 = 0;
		struct moat_skb_ctx after;
		ok(p && run_all("len", p, &c, &r0, &after, NULL) && after.cb[0] == sizeof(pkt),
		   "%s: data_end - data is the packet's length in 3 modes",
		   moat_prog_type_name(types[t]));
		moat_prog_free(p);
	}
	struct moat_error err;
	struct moat_prog *p = as("ldxw %r2, [%r1+140]\nldxw %r3, [%r1+76]\n"
				 "mov %r0, %r3\nsub %r0, %r2\nexit\n", MOAT_PROG_SCHED_CLS, &err);
	c.data = pkt + 8;
	uint64_t r0 = 0;
	ok(p && run_all("meta", p, &c, &r0, NULL, NULL) && r0 == 8,
	   "tc: data - data_meta is the metadata's length in 3 modes");
	moat_prog_free(p);
}

/* Stores to every field: the verifier accepts exactly the fields the
 * kernel lets each type write, and the value lands in every mode. */
static void test_field_writes(void)
{
	/* offsets accepted for 4-byte stores, and for 8-byte ones */
	static const char *const want4[] = {
		"48 52 56 60 64",                         /* socket: cb */
		"8 12 32 44 48 52 56 60 64 72",           /* tc: mark, queue_mapping, priority,
							   * tc_index, cb, tc_classid */
		"8 32 48 52 56 60 64",                    /* cgroup_skb: mark, priority, cb */
	};
	static const char *const want8[] = { "48 56", "48 56 152", "48 56 152" };
	uint8_t pkt[60];
	udp_frame(pkt, 1);
	struct moat_skb_ctx c0;
	moat_skb_ctx_init(&c0, pkt, sizeof(pkt));
	for (size_t t = 0; t < N(skb_types); t++) {
		for (unsigned size = 4; size <= 8; size += 4) {
			char got[256] = "";
			size_t gl = 0;
			bool landed = true;
			for (unsigned off = 0; off < 192; off += size) {
				char src[160];
				snprintf(src, sizeof(src),
					 "lddw %%r2, 0x1122334455667788\nstx%s [%%r1+%u], %%r2\n"
					 "mov %%r0, 0\nexit\n", size == 4 ? "w" : "dw", off);
				struct moat_error err;
				struct moat_prog *p = as(src, skb_types[t], &err);
				if (!p || moat_verify(p, NULL, NULL, &err) < 0) {
					moat_prog_free(p);
					continue;
				}
				gl += (size_t)snprintf(got + gl, sizeof(got) - gl, "%s%u", gl ? " " : "",
						       off);
				struct moat_skb_ctx after;
				uint64_t r0;
				uint64_t want = 0x1122334455667788ull, v = 0;
				if (!run_all("store", p, &c0, &r0, &after, NULL)) {
					landed = false;
				} else {
					memcpy(&v, (uint8_t *)&after + off, size);
					landed &= v == (size == 4 ? (uint32_t)want : want);
				}
				moat_prog_free(p);
			}
			is_str(got, size == 4 ? want4[t] : want8[t], "%s: %u-byte stores accepted at",
			       moat_prog_type_name(skb_types[t]), size);
			ok(landed, "%s: each %u-byte store lands in every mode",
			   moat_prog_type_name(skb_types[t]), size);
		}
	}
}

/* Wrong sizes, read-only fields, fields a type may not see: rejected with
 * the kernel's kind of message. */
static void test_rejects(void)
{
	static const struct {
		enum moat_prog_type type;
		const char *src, *msg;
	} cases[] = {
		{ MOAT_PROG_SCHED_CLS, "ldxh %r0, [%r1+76]\nexit\n", "read with 4-byte loads" },
		{ MOAT_PROG_SCHED_CLS, "ldxdw %r0, [%r1+76]\nexit\n", "misaligned" },
		{ MOAT_PROG_SCHED_CLS, "ldxw %r0, [%r1+152]\nexit\n", "accessed with 8-byte loads" },
		{ MOAT_PROG_SCHED_CLS, "stw [%r1+0], 1\nmov %r0, 0\nexit\n", "read-only for tc" },
		{ MOAT_PROG_SCHED_CLS, "sth [%r1+8], 1\nmov %r0, 0\nexit\n", "written with 4-byte stores" },
		{ MOAT_PROG_SCHED_CLS, "ldxw %r0, [%r1+88]\nexit\n", "family is not readable in tc" },
		{ MOAT_PROG_SCHED_CLS, "ldxdw %r0, [%r1+168]\nexit\n", "does not model sockets" },
		{ MOAT_PROG_SCHED_CLS, "ldxb %r0, [%r1+181]\nexit\n", "not accessible" },
		{ MOAT_PROG_SOCKET_FILTER, "stw [%r1+8], 1\nmov %r0, 0\nexit\n", "read-only for socket" },
		{ MOAT_PROG_SOCKET_FILTER, "ldxw %r0, [%r1+160]\nexit\n", "wire_len is not readable" },
		{ MOAT_PROG_SOCKET_FILTER, "ldxw %r0, [%r1+76]\nexit\n", "cannot access packet data" },
		{ MOAT_PROG_CGROUP_SKB, "ldxw %r0, [%r1+140]\nmov %r0, 1\nexit\n", "cannot access packet data" },
		{ MOAT_PROG_CGROUP_SKB, "stw [%r1+44], 1\nmov %r0, 1\nexit\n", "read-only for cgroup_skb" },
		{ MOAT_PROG_CGROUP_SKB, "ldxh %r0, [%r1+92]\nmov %r0, 1\nexit\n", "read with 4-byte loads" },
		{ MOAT_PROG_SOCKET_FILTER, "mov %r6, %r1\nadd %r6, 8\nldabsb 0\nexit\n",
		  "r6 to hold the context, unmoved" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct moat_error err;
		struct moat_prog *p = as(cases[i].src, cases[i].type, &err);
		int r = p ? moat_verify(p, NULL, NULL, &err) : 0;
		ok(p && r < 0 && strstr(err.msg, cases[i].msg) &&
			   (r == -EINVAL || strstr(err.msg, "invalid bpf_context access")),
		   "%s: %s", moat_prog_type_name(cases[i].type), p ? err.msg : "no program");
		moat_prog_free(p);
	}
}

/* LD_ABS/LD_IND read the context's packet big-endian; outside it the
 * program returns 0. */
static void test_ld_abs(void)
{
	uint8_t pkt[20];
	for (int i = 0; i < 20; i++)
		pkt[i] = (uint8_t)(0x10 + i);
	struct moat_skb_ctx c;
	moat_skb_ctx_init(&c, pkt, sizeof(pkt));
	static const struct {
		const char *src;
		uint64_t want;
		const char *what;
	} cases[] = {
		{ "ldabsb 0\nmov %r8, %r0\nlsh %r8, 32\nldabsh 2\nlsh %r0, 16\nor %r8, %r0\n"
		  "mov %r7, 3\nldindh %r7, 1\nor %r8, %r0\nmov %r0, %r8\nexit\n",
		  0x1000000000ull | 0x1213ull << 16 | 0x1415, "bytes, halfwords, indexed" },
		{ "ldabsw 16\nexit\n", 0x20212223, "the last word" },
		{ "ldabsw 17\nmov %r0, 7\nexit\n", 0, "a word past the end returns 0" },
		{ "mov %r7, -2\nldindb %r7, 1\nmov %r0, 7\nexit\n", 0, "offset 2^32 - 1 returns 0" },
		{ "mov %r7, 19\nldindb %r7, 0\nexit\n", 0x23, "LD_IND at the last byte" },
		{ "mov %r7, 19\nldindh %r7, 0\nmov %r0, 7\nexit\n", 0, "LD_IND across the end" },
	};
	const enum moat_prog_type types[] = { MOAT_PROG_SOCKET_FILTER, MOAT_PROG_SCHED_CLS };
	for (size_t t = 0; t < N(types); t++) {
		for (size_t i = 0; i < N(cases); i++) {
			char src[400];
			snprintf(src, sizeof(src), "mov %%r6, %%r1\n%s", cases[i].src);
			struct moat_error err;
			struct moat_prog *p = as(src, types[t], &err);
			uint64_t r0 = ~0ull;
			bool ran = p && run_all(cases[i].what, p, &c, &r0, NULL, NULL);
			ok(ran && r0 == cases[i].want,
			   "%s: %s (r0 = %#llx) in 3 modes", moat_prog_type_name(types[t]), cases[i].what,
			   (unsigned long long)r0);
			moat_prog_free(p);
		}
	}
	/* native code with packet loads stays a plain function */
	struct moat_error err;
	struct moat_prog *p = as("mov %r6, %r1\nldabsb 1\nexit\n", MOAT_PROG_SOCKET_FILTER, &err);
	MOAT_OPTS(moat_exec_opts, jo, .mode = MOAT_EXEC_JIT);
	struct moat_exec *e = p ? moat_exec_new(vm, p, &jo, &err) : NULL;
	moat_native_fn fn = e ? moat_exec_native(e) : NULL;
	ok(fn && fn(&c, sizeof(c)) == 0x11, "moat_exec_native runs an LD_ABS socket filter");
	c.data_end = pkt + 1;
	ok(fn && fn(&c, sizeof(c)) == 0, "and returns 0 past the packet");
	moat_exec_free(e);
	moat_prog_free(p);
}

/* Direct packet access: a bounds check, a read and a write of the packet. */
static void test_direct_access(void)
{
	static const char src[] =
		"ldxw %r2, [%r1+76]\nldxw %r3, [%r1+80]\nmov %r4, %r2\nadd %r4, 14\n"
		"jgt %r4, %r3, drop\nldxh %r0, [%r2+12]\nstb [%r2+0], 0xee\n"
		"ldxw %r5, [%r1+0]\nstxw [%r1+48], %r5\nexit\n"
		"drop:\nmov %r0, 2\nexit\n";
	struct moat_error err;
	struct moat_prog *p = as(src, MOAT_PROG_SCHED_CLS, &err);
	uint8_t pkt[60], after[60], tiny[10] = { 0 };
	udp_frame(pkt, 1);
	struct moat_skb_ctx c, out;
	moat_skb_ctx_init(&c, pkt, sizeof(pkt));
	uint64_t r0 = 0;
	ok(p && run_all("frame", p, &c, &r0, &out, after) && r0 == 0x0008 && after[0] == 0xee &&
		   out.cb[0] == 60,
	   "tc: the EtherType read, the packet and cb[0] written, in 3 modes");
	moat_skb_ctx_init(&c, tiny, sizeof(tiny));
	ok(p && run_all("short", p, &c, &r0, NULL, after) && r0 == 2 && after[0] == 0,
	   "tc: a frame shorter than the check is left alone");
	/* unchecked modes trust the context's size: a shorter one is refused */
	MOAT_OPTS(moat_exec_opts, eo, .mode = MOAT_EXEC_INTERP);
	struct moat_exec *e = p ? moat_exec_new(vm, p, &eo, &err) : NULL;
	ok(e && moat_exec_run(e, &c, 192, &r0, &err) == -EINVAL && strstr(err.msg, "moat_skb_ctx"),
	   "a context of __sk_buff's size is refused (%s)", e ? err.msg : "");
	moat_exec_free(e);
	moat_prog_free(p);
}

/* ---- the kernel on the same frames ---- */

/* Reads the fields both sides agree on into r0, writes cb[1] (tc: also
 * mark and priority, and reads the packet directly); LD_ABS reads the IP protocol (socket: offset 9 of the network
 * header, tc: 23 of the frame). */
static const char cross_src[] =
	"mov %r6, %r1\n"
	"ldxw %r7, [%r6+0]\n"          /* len */
	"lsh %r7, 20\n"
	"ldxw %r2, [%r6+16]\nlsh %r2, 4\nxor %r7, %r2\n"   /* protocol */
	"ldxw %r2, [%r6+8]\nmul %r2, 3\nxor %r7, %r2\n"    /* mark */
	"ldxw %r2, [%r6+32]\nmul %r2, 5\nxor %r7, %r2\n"   /* priority */
	"ldxw %r2, [%r6+48]\nmul %r2, 7\nxor %r7, %r2\n"   /* cb[0] */
	"ldxw %r2, [%r6+40]\nmul %r2, 11\nxor %r7, %r2\n"  /* ifindex */
	"ldxw %r2, [%r6+4]\nmul %r2, 13\nxor %r7, %r2\n"   /* pkt_type */
	"ldxb %r2, [%r6+10]\nxor %r7, %r2\n"               /* a narrow read of mark */
	"ldabsb %PROTO\nlsh %r0, 24\nxor %r7, %r0\n"
	"ldxw %r2, [%r6+0]\nstxw [%r6+52], %r2\n"
	"%EXTRA"
	"mov32 %r0, %r7\nexit\n";

static struct moat_prog *cross_prog(enum moat_prog_type type, struct moat_error *err)
{
	bool tc = type == MOAT_PROG_SCHED_CLS;
	const char *extra = tc ? "ldxw %r2, [%r6+160]\nmul %r2, 17\nxor %r7, %r2\n"
				 "ldxw %r2, [%r6+76]\nldxw %r3, [%r6+80]\nmov %r4, %r2\nadd %r4, 24\n"
				 "jgt %r4, %r3, +3\nldxb %r3, [%r2+22]\nlsh %r3, 8\nxor %r7, %r3\n"
				 "stw [%r6+32], 9\n"
				 "ldxw %r2, [%r6+8]\nadd %r2, 1\nstxw [%r6+8], %r2\n"
			       : "";
	char src[2048];
	const char *proto = strstr(cross_src, "%PROTO"), *ex = strstr(cross_src, "%EXTRA");
	snprintf(src, sizeof(src), "%.*s%d%.*s%s%s", (int)(proto - cross_src), cross_src, tc ? 23 : 9,
		 (int)(ex - proto - 6), proto + 6, extra, ex + 6);
	return as(src, type, err);
}

static void test_kernel_cross(void)
{
	const enum moat_prog_type types[] = { MOAT_PROG_SCHED_CLS, MOAT_PROG_SOCKET_FILTER };
	for (size_t t = 0; t < N(types); t++) {
		const char *tn = moat_prog_type_name(types[t]);
		struct moat_error err;
		struct moat_prog *p = cross_prog(types[t], &err);
		if (!ok(p != NULL, "%s: cross-check program assembles", tn)) {
			diag("%s", err.msg);
			continue;
		}
		struct moat_kprog *kp = moat_kernel_load(p, NULL, &err);
		if (!ok(kp != NULL, "%s: the kernel loads it", tn)) {
			diag("%s", err.msg);
			moat_prog_free(p);
			continue;
		}
		for (uint16_t port = 1; port <= 2; port++) {
			uint8_t frame[60];
			udp_frame(frame, port);
			frame[22] = (uint8_t)(60 + port); /* ttl */
			struct __sk_buff in = { .mark = 0x100 + port, .priority = 3, .cb = { 11, 0, 0, 0, 5 } };
			struct __sk_buff out = { 0 };
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
				    .ctx_in = &in, .ctx_size_in = sizeof(in), .ctx_out = &out,
				    .ctx_size_out = sizeof(out));
			int rc = bpf_prog_test_run_opts(moat_kprog_fd(kp), &o);
			/* moat: the skb the kernel's test run builds */
			struct moat_skb_ctx c, after;
			moat_skb_ctx_init(&c, frame, sizeof(frame));
			if (types[t] != MOAT_PROG_SCHED_CLS)
				moat_skb_ctx_pull(&c, 14);
			c.ifindex = 1; /* loopback */
			c.mark = in.mark;
			c.priority = in.priority;
			memcpy(c.cb, in.cb, sizeof(c.cb));
			uint64_t r0 = 0;
			bool ran = run_all(tn, p, &c, &r0, &after, NULL);
			ok(rc == 0 && ran && (uint32_t)r0 == o.retval,
			   "%s, port %u: moat and the kernel return %#x / %#x", tn, port, (unsigned)r0,
			   o.retval);
			ok(ran && after.mark == out.mark && after.priority == out.priority &&
				   !memcmp(after.cb, out.cb, sizeof(out.cb)),
			   "%s, port %u: mark %u/%u, priority %u/%u, cb[1] %u/%u alike", tn, port,
			   after.mark, out.mark, after.priority, out.priority, after.cb[1], out.cb[1]);
		}
		moat_kprog_free(kp);
		moat_prog_free(p);
	}
}

/* A clang-compiled tc object on a real frame, in moat and in the kernel. */
static void test_clang_object(void)
{
	char dir[] = "/tmp/moat-test-skb-XXXXXX", obj[128], cmd[1024];
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(obj, sizeof(obj), "%s/tc_skb.bpf.o", dir);
	const char *top = getenv("MOAT_TOP") ? getenv("MOAT_TOP") : ".";
	const char *cc = getenv("CLANG") ? getenv("CLANG") : "clang";
	snprintf(cmd, sizeof(cmd),
		 "%s -target bpf -O2 -g -I/usr/include/$(uname -m)-linux-gnu -c "
		 "'%s/tests/helpers/bpf/tc_skb.bpf.c' -o '%s'", cc, top, obj);
	struct moat_error err;
	struct moat_obj *o = system(cmd) == 0 ? moat_obj_open(obj, &err) : NULL;
	unlink(obj);
	rmdir(dir);
	struct moat_prog *p = o ? moat_obj_find_prog(o, "tc_classify") : NULL;
	if (!ok(p && moat_prog_type(p) == MOAT_PROG_SCHED_CLS, "clang tc object compiles and opens")) {
		moat_obj_free(o);
		return;
	}
	struct moat_kprog *kp = moat_kernel_load(p, NULL, &err);
	if (!ok(kp != NULL, "the kernel loads it"))
		diag("%s", err.msg);
	static const uint16_t ports[] = { 5353, 53 };
	static const uint64_t want[] = { 164, 2 };
	for (size_t i = 0; i < N(ports); i++) {
		uint8_t frame[60];
		udp_frame(frame, ports[i]);
		struct moat_skb_ctx c, after;
		moat_skb_ctx_init(&c, frame, sizeof(frame));
		uint64_t r0 = 0;
		bool ran = run_all("clang", p, &c, &r0, &after, NULL);
		ok(ran && r0 == want[i] && after.mark == 64 &&
			   after.cb[0] == 60 && after.priority == ports[i],
		   "port %u: r0 = %llu, mark = ttl, cb[0] = len, priority = port in 3 modes", ports[i],
		   (unsigned long long)r0);
		LIBBPF_OPTS(bpf_test_run_opts, to, .data_in = frame, .data_size_in = sizeof(frame));
		int rc = kp ? bpf_prog_test_run_opts(moat_kprog_fd(kp), &to) : -1;
		ok(rc == 0 && to.retval == r0,
		   "port %u: the kernel returns the same (%u)", ports[i], to.retval);
	}
	moat_kprog_free(kp);
	moat_obj_free(o);
}

int main(void)
{
	struct moat_error err;
	vm = moat_vm_new(NULL, &err);
	test_field_reads();
	test_pointer_reads();
	test_field_writes();
	test_rejects();
	test_ld_abs();
	test_direct_access();
	test_kernel_cross();
	test_clang_object();
	moat_vm_free(vm);
	return tap_done();
}
