/*
 * The filter's eBPF backend (src/compile/filter/ebpf.c, ebpf_plan.c):
 *   - the plan's bounds facts on hand-written classic programs (req,
 *     where the caplen tests go, X's bound, when A stays raw);
 *   - the emitted programs: hoisted tests and unswapped compares are there
 *     (counted in the eBPF), and every truncation of real frames (each
 *     caplen from 0 to the full length, so caplen ends between any two
 *     loads) gives the JIT exactly libpcap's bpf_filter() result.
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>

#include "compile/filter/ebpf_internal.h"
#include "tap.h"

#define I(c, t, f, k) { (uint16_t)(c), (uint8_t)(t), (uint8_t)(f), (uint32_t)(k) }

static void test_plan_hoist(void)
{
	/* ldh [12]; jeq 0x800 ? ldb [23]; jeq 6 ? ret 96 : ret 0 */
	static const struct moat_cbpf_insn both_need[] = {
		I(0x28, 0, 0, 12), I(0x15, 0, 3, 0x800), I(0x30, 0, 0, 23), I(0x15, 0, 1, 6),
		I(0x06, 0, 0, 96), I(0x06, 0, 0, 0),
	};
	struct ebpf_plan p;
	ok(ebpf_plan_build(&p, both_need, 6, 128) == 0, "plan builds");
	is_u64(p.req[0], 24, "req at entry: every accepting path reads byte 23");
	is_u64(p.check[0], 24, "the first load tests caplen >= 24 ...");
	is_u64(p.check[2], 0, "... so the second load needs no test");
	is_u64(p.req[5], EBPF_NEVER, "ret 0 never accepts");
	ok(p.raw_loads && p.arep[1] == AREP_RAW16, "ldh then jeq: A stays raw");
	ebpf_plan_release(&p);

	/* the same, but the non-IPv4 branch accepts: no hoisting past it */
	static const struct moat_cbpf_insn early_accept[] = {
		I(0x28, 0, 0, 12), I(0x15, 0, 2, 0x800), I(0x30, 0, 0, 23), I(0x15, 1, 0, 6),
		I(0x06, 0, 0, 96), I(0x06, 0, 0, 0),
	};
	ok(ebpf_plan_build(&p, early_accept, 6, 128) == 0, "plan builds");
	is_u64(p.check[0], 14, "an accepting path without byte 23: the entry tests only 14");
	is_u64(p.check[2], 24, "the second load tests 24 itself");
	ebpf_plan_release(&p);

	/* a load beyond snaplen always rejects */
	static const struct moat_cbpf_insn beyond[] = {
		I(0x30, 0, 0, 200), I(0x06, 0, 0, 96),
	};
	ok(ebpf_plan_build(&p, beyond, 2, 128) == 0, "plan builds");
	is_u64(p.check[0], EBPF_NEVER, "ldb [200] with snaplen 128 rejects outright");
	ebpf_plan_release(&p);
}

static void test_plan_x_and_raw(void)
{
	/* ldxb 4*([14]&0xf); ldh [x+16]; jgt 1000 ? ret 96 : ret 0 */
	static const struct moat_cbpf_insn msh[] = {
		I(0xb1, 0, 0, 14), I(0x48, 0, 0, 16), I(0x25, 0, 1, 1000), I(0x06, 0, 0, 96),
		I(0x06, 0, 0, 0),
	};
	struct ebpf_plan p;
	ok(ebpf_plan_build(&p, msh, 5, 128) == 0, "plan builds");
	is_u64(p.xmax[1], 60, "X after ldxb msh is at most 60");
	is_u64(p.check[0], 18, "ldxb [14] tests 18: the indirect load's constant part, 16 + 2");
	is_u64(p.check[1], 0, "so [x + 16] has only its x-dependent test left");
	ok(p.arep[2] == AREP_RAW16 && !ebpf_raw_ok(&msh[2], AREP_RAW16),
	   "jgt cannot use raw A: the emitter swaps before it");
	ebpf_plan_release(&p);

	/* two paths bring A to a jeq, one raw (ldh), one normal (ld #5) */
	static const struct moat_cbpf_insn mixed[] = {
		I(0x28, 0, 0, 12), I(0x15, 1, 0, 0x800), I(0x00, 0, 0, 5), I(0x15, 0, 1, 5),
		I(0x06, 0, 0, 96), I(0x06, 0, 0, 0),
	};
	ok(ebpf_plan_build(&p, mixed, 6, 128) == 0, "plan builds");
	ok(!p.raw_loads && p.arep[3] == AREP_NORMAL, "A raw on one path, normal on the other: "
	   "every load swaps");
	ebpf_plan_release(&p);

	/* X from tax is unbounded */
	static const struct moat_cbpf_insn tax[] = {
		I(0x20, 0, 0, 0), I(0x07, 0, 0, 0), I(0x50, 0, 0, 0), I(0x06, 0, 0, 96),
	};
	ok(ebpf_plan_build(&p, tax, 4, 128) == 0, "plan builds");
	ok(p.xmax[2] == UINT32_MAX && p.uses_x, "X after tax is unknown, and read");
	ebpf_plan_release(&p);
}

/* Counts eBPF instructions of the filter's program that match code (and
 * dst when dst >= 0). */
static int count(const char *expr, uint8_t code, int dst)
{
	MOAT_OPTS(moat_filter_opts, o, .linktype = MOAT_DLT_EN10MB, .snaplen = 262144,
		  .optimize = true);
	struct moat_error e;
	struct moat_filter *f = moat_filter_compile(expr, &o, &e);
	struct moat_prog *prog = f ? moat_filter_ebpf(f, &e) : NULL;
	int c = -1;
	if (prog) {
		size_t n;
		const struct moat_insn *in = moat_prog_insns(prog, &n);
		c = 0;
		for (size_t i = 0; i < n; i++)
			c += in[i].code == code && (dst < 0 || in[i].dst == dst);
	}
	moat_prog_free(prog);
	moat_filter_free(f);
	return c;
}

static void test_emitted(void)
{
	uint8_t jlt = MOAT_JMP | MOAT_JLT | MOAT_K, swap = MOAT_ALU | MOAT_END | MOAT_TO_BE;
	/* its classic program has 6 loads on 2 paths (IPv4: 5, IPv6: 3) */
	is_int(count("tcp dst port 80", jlt, MOAT_R4), 2,
	       "tcp dst port 80: two caplen tests (the entry, the IPv6 port)");
	is_int(count("tcp dst port 80", swap, -1), 0, "tcp dst port 80: no byte swaps");
	is_int(count("ip", swap, -1), 0, "ip: no byte swap");
	is_int(count("net 192.168.0.0/16", swap, -1), 0, "net: and + jeq on raw words");
	is_int(count("tcp[2:2] > 1000", swap, -1), 1, "tcp[2:2] > 1000: one swap, before jgt");
	is_int(count("ip", MOAT_LDX | MOAT_MEM | MOAT_W, MOAT_R10), 0, "no scratch memory unless used");
	/* the last test before ret #S / ret #0 becomes arithmetic */
	is_int(count("ip", MOAT_JMP32 | MOAT_JNE | MOAT_K, -1) + count("ip", MOAT_JMP32 | MOAT_JEQ | MOAT_K, -1),
	       0, "ip: no conditional jump on the EtherType");
	is_int(count("ip", MOAT_ALU64 | MOAT_RSH | MOAT_K, MOAT_R0), 1, "ip: (v - 1) >> 63 instead");
	is_int(count("ip[6] & 0x20 != 0", MOAT_JMP32 | MOAT_JSET | MOAT_K, -1), 0,
	       "the final jset too");
}

/* `ip` with a snaplen that is not a power of two: the selected return
 * value is a multiplication. */
static void test_select_mul(struct moat_vm *vm)
{
	MOAT_OPTS(moat_filter_opts, o, .linktype = MOAT_DLT_EN10MB, .snaplen = 100, .optimize = true);
	struct moat_error e;
	struct moat_filter *f = moat_filter_compile("ip", &o, &e);
	struct moat_prog *prog = f ? moat_filter_ebpf(f, &e) : NULL;
	MOAT_OPTS(moat_exec_opts, xo, .mode = MOAT_EXEC_JIT, .mem_len = f ? moat_filter_mem_len(f) : 0);
	struct moat_exec *ex = prog ? moat_exec_new(vm, prog, &xo, &e) : NULL;
	uint64_t r[3] = { 1, 1, 1 };
	uint16_t types[3] = { 0x0800, 0x0806, 0x0008 };
	for (int i = 0; i < 3 && ex; i++) {
		struct { struct moat_filter_pkt h; uint8_t d[100]; } pk = { { 60, 60 }, { 0 } };
		pk.d[12] = (uint8_t)(types[i] >> 8);
		pk.d[13] = (uint8_t)types[i];
		moat_exec_run(ex, &pk, sizeof(pk), &r[i], &e);
	}
	ok(ex && r[0] == 100 && r[1] == 0 && r[2] == 0,
	   "snaplen 100: IPv4 gives 100, ARP and a swapped 0x0008 give 0 (%llu %llu %llu)",
	   (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2]);
	moat_exec_free(ex);
	moat_prog_free(prog);
	moat_filter_free(f);
}

/* ---------------------------------------------------- truncated frames */

static size_t eth_ip4_tcp(uint8_t *b, int ihl_words, uint16_t dport, uint8_t flags)
{
	memset(b, 0, 128);
	b[12] = 0x08;
	uint8_t *ip = b + 14;
	ip[0] = (uint8_t)(0x40 | ihl_words);
	ip[9] = 6;
	memcpy(ip + 12, (uint8_t[]){ 192, 168, 1, 2 }, 4);
	memcpy(ip + 16, (uint8_t[]){ 10, 1, 2, 3 }, 4);
	uint8_t *tcp = ip + 4 * ihl_words;
	tcp[0] = 0x30;
	tcp[1] = 0x39;
	tcp[2] = (uint8_t)(dport >> 8);
	tcp[3] = (uint8_t)dport;
	tcp[13] = flags;
	return (size_t)(tcp + 20 - b);
}

static size_t eth_ip6_tcp(uint8_t *b, uint16_t dport)
{
	memset(b, 0, 128);
	b[12] = 0x86;
	b[13] = 0xdd;
	uint8_t *ip = b + 14;
	ip[0] = 0x60;
	ip[6] = 6;
	ip[8] = 0x20;
	ip[9] = 0x01;
	uint8_t *tcp = ip + 40;
	tcp[2] = (uint8_t)(dport >> 8);
	tcp[3] = (uint8_t)dport;
	tcp[13] = 2;
	return (size_t)(tcp + 20 - b);
}

static size_t eth_vlan_ip6_udp(uint8_t *b, uint16_t dport)
{
	memset(b, 0, 128);
	b[12] = 0x81;
	b[16] = 0x86;
	b[17] = 0xdd;
	uint8_t *ip = b + 18;
	ip[0] = 0x60;
	ip[6] = 17;
	ip[42] = (uint8_t)(dport >> 8);
	ip[43] = (uint8_t)dport;
	return 18 + 40 + 8;
}

static const char *const trunc_exprs[] = {
	"tcp dst port 80", "ip6 and tcp and dst port 22", "net 192.168.0.0/16 and not port 22",
	"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "vlan and ip6", "udp port 53 or tcp port 443",
	"host 10.1.2.3 and tcp", "tcp[2:2] > 70", "ip[0] & 0xf > 5 and tcp", "ether[len - 1] = 0",
	"ip6[40] = 0 or ip[20] = 0x30", "len > 60 and tcp", "vlan and udp dst port 53",
};

static void test_truncation(struct moat_vm *vm)
{
	uint8_t frames[8][128];
	size_t len[8] = {
		eth_ip4_tcp(frames[0], 5, 80, 0x02), eth_ip4_tcp(frames[1], 7, 80, 0x11),
		eth_ip4_tcp(frames[2], 5, 443, 0x10), eth_ip4_tcp(frames[3], 15, 22, 0x01),
		eth_ip6_tcp(frames[4], 22), eth_ip6_tcp(frames[5], 80),
		eth_vlan_ip6_udp(frames[6], 53), eth_vlan_ip6_udp(frames[7], 9),
	};
	for (size_t x = 0; x < sizeof(trunc_exprs) / sizeof(*trunc_exprs); x++) {
		const char *expr = trunc_exprs[x];
		struct moat_error e;
		MOAT_OPTS(moat_filter_opts, o, .linktype = MOAT_DLT_EN10MB, .snaplen = 128,
			  .optimize = true);
		struct moat_filter *f = moat_filter_compile(expr, &o, &e);
		struct moat_prog *prog = f ? moat_filter_ebpf(f, &e) : NULL;
		uint64_t need = f ? moat_filter_mem_len(f) : 0;
		MOAT_OPTS(moat_exec_opts, xo, .mode = MOAT_EXEC_JIT, .mem_len = need);
		struct moat_exec *ex = prog ? moat_exec_new(vm, prog, &xo, &e) : NULL;
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, 128);
		struct bpf_program bp;
		int lr = pcap_compile(dead, &bp, expr, 1, PCAP_NETMASK_UNKNOWN);
		struct moat_filter_pkt *buf = calloc(1, need ? need : 1);
		int runs = 0, bad = 0, accepted = 0;
		for (size_t fi = 0; ex && lr == 0 && buf && fi < 8; fi++) {
			for (uint32_t cap = 0; cap <= len[fi]; cap++, runs++) {
				memset(buf, 0xa5, need); /* bytes past caplen must not matter */
				buf->caplen = cap;
				buf->wirelen = (uint32_t)len[fi];
				memcpy(buf->data, frames[fi], cap);
				unsigned lib = bpf_filter(bp.bf_insns, frames[fi], (u_int)len[fi], cap);
				uint64_t r0 = 1234;
				if (moat_exec_run(ex, buf, need, &r0, &e) < 0 || r0 != lib) {
					if (bad++ == 0)
						diag("[%s] frame %zu caplen %u: libpcap %u, JIT %llu", expr,
						     fi, cap, lib, (unsigned long long)r0);
				}
				accepted += lib != 0;
			}
		}
		ok(ex && lr == 0 && bad == 0 && accepted > 0,
		   "[%s]: %d truncations of 8 frames, JIT = libpcap (%d accepted, %d differ)", expr,
		   runs, accepted, bad);
		free(buf);
		if (lr == 0)
			pcap_freecode(&bp);
		pcap_close(dead);
		moat_exec_free(ex);
		moat_prog_free(prog);
		moat_filter_free(f);
	}
}

int main(void)
{
	struct moat_error e;
	struct moat_vm *vm = moat_vm_new(NULL, &e);
	test_plan_hoist();
	test_plan_x_and_raw();
	test_emitted();
	test_select_mul(vm);
	test_truncation(vm);
	moat_vm_free(vm);
	return tap_done();
}
