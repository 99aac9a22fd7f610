/* Classic BPF: kernel checks, tcpdump -d disassembly, translation run in moat's VM. */
#include <errno.h>
#include <string.h>

#include <moat/moat.h>
#include "tap.h"

#define I(c, t, f, k) ((struct moat_cbpf_insn){ (c), (t), (f), (k) })
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ldh [12]; jeq #0x800 jt 2 jf 3; ret #262144; ret #0 — tcpdump -d 'ip' on Ethernet */
static const struct moat_cbpf_insn ip_filter[] = {
	I(0x28, 0, 0, 12), I(0x15, 0, 1, 0x800), I(0x06, 0, 0, 262144), I(0x06, 0, 0, 0),
};

static void test_check(void)
{
	struct moat_error e;
	ok(moat_cbpf_check(ip_filter, N(ip_filter), false, &e) == 0, "tcpdump's 'ip' program passes");
	struct moat_cbpf_insn bad_op[] = { I(0xff, 0, 0, 0), I(0x06, 0, 0, 0) };
	ok(moat_cbpf_check(bad_op, 2, false, &e) == -EINVAL && e.insn == 0, "unknown opcode rejected at insn 0");
	struct moat_cbpf_insn past[] = { I(0x15, 5, 0, 1), I(0x06, 0, 0, 0) };
	ok(moat_cbpf_check(past, 2, false, &e) < 0 && strstr(e.msg, "past the end"), "jump past the end rejected");
	struct moat_cbpf_insn div0[] = { I(0x34, 0, 0, 0), I(0x06, 0, 0, 0) };
	ok(moat_cbpf_check(div0, 2, false, &e) < 0 && strstr(e.msg, "zero"), "division by constant zero rejected");
	struct moat_cbpf_insn noret[] = { I(0x00, 0, 0, 1) };
	ok(moat_cbpf_check(noret, 1, false, &e) < 0 && strstr(e.msg, "return"), "program must end in a return");
	struct moat_cbpf_insn uninit[] = { I(0x15, 0, 1, 1), I(0x02, 0, 0, 3), I(0x60, 0, 0, 3), I(0x16, 0, 0, 0) };
	ok(moat_cbpf_check(uninit, 4, false, &e) < 0 && e.insn == 2, "M[3] read before a store on one path rejected");
	struct moat_cbpf_insn init[] = { I(0x02, 0, 0, 3), I(0x15, 0, 0, 1), I(0x60, 0, 0, 3), I(0x16, 0, 0, 0) };
	ok(moat_cbpf_check(init, 4, false, NULL) == 0, "M[3] stored on every path is fine");
	struct moat_cbpf_insn sc_ldh[] = { I(0x28, 0, 0, 0), I(0x06, 0, 0, 0) };
	ok(moat_cbpf_check(sc_ldh, 2, true, &e) < 0, "seccomp refuses half-word loads");
	struct moat_cbpf_insn sc_mis[] = { I(0x20, 0, 0, 2), I(0x06, 0, 0, 0) };
	ok(moat_cbpf_check(sc_mis, 2, true, &e) < 0 && strstr(e.msg, "aligned"), "seccomp refuses unaligned offsets");
	struct moat_cbpf_insn sc_far[] = { I(0x20, 0, 0, 64), I(0x06, 0, 0, 0) };
	ok(moat_cbpf_check(sc_far, 2, true, &e) < 0, "seccomp refuses offsets past seccomp_data");
}

static void test_disasm(void)
{
	char b[128];
	moat_cbpf_disasm_insn(ip_filter, 4, 0, b, sizeof(b));
	is_str(b, "(000) ldh      [12]", "ldh as tcpdump -d");
	moat_cbpf_disasm_insn(ip_filter, 4, 1, b, sizeof(b));
	is_str(b, "(001) jeq      #0x800           jt 2\tjf 3", "jeq as tcpdump -d");
	moat_cbpf_disasm_insn(ip_filter, 4, 2, b, sizeof(b));
	is_str(b, "(002) ret      #262144", "ret as tcpdump -d");
	struct moat_cbpf_insn msh = I(0xb1, 0, 0, 14);
	moat_cbpf_disasm_insn(&msh, 1, 0, b, sizeof(b));
	is_str(b, "(000) ldxb     4*([14]&0xf)", "ldxb msh");
}

static uint64_t run(const struct moat_cbpf_insn *p, size_t n, enum moat_prog_type type,
		    void *mem, size_t len)
{
	struct moat_error e;
	char buf[1200];
	uint64_t r0 = ~0ull;
	struct moat_vm *vm = moat_vm_new(NULL, &e);
	struct moat_prog *prog = moat_cbpf_to_ebpf(p, n, type, &e);
	MOAT_OPTS(moat_exec_opts, o, .mem_len = len);
	struct moat_exec *ex = prog && vm ? moat_exec_new(vm, prog, &o, &e) : NULL;
	if (!ex || moat_exec_run(ex, mem, len, &r0, &e))
		diag("%s", moat_error_str(&e, buf, sizeof(buf)));
	moat_exec_free(ex);
	moat_prog_free(prog);
	moat_vm_free(vm);
	return r0;
}

static void test_translate(void)
{
	uint8_t pkt[64] = { 0 };
	pkt[12] = 0x08;
	is_u64(run(ip_filter, 4, MOAT_PROG_MEM, pkt, sizeof(pkt)), 262144, "'ip' accepts an IPv4 frame");
	pkt[12] = 0x86, pkt[13] = 0xdd;
	is_u64(run(ip_filter, 4, MOAT_PROG_MEM, pkt, sizeof(pkt)), 0, "'ip' rejects an IPv6 frame");

	/* X = 4*(P[14]&0xf) = 20; A = P[x+16] (half word at 36) */
	pkt[14] = 0x45, pkt[36] = 0x12, pkt[37] = 0x34;
	struct moat_cbpf_insn ind[] = { I(0xb1, 0, 0, 14), I(0x48, 0, 0, 16), I(0x16, 0, 0, 0) };
	is_u64(run(ind, 3, MOAT_PROG_MEM, pkt, sizeof(pkt)), 0x1234, "ldxb msh + ldh [x+k]");
	struct moat_cbpf_insn oob[] = { I(0x20, 0, 0, 62), I(0x06, 0, 0, 7) };
	is_u64(run(oob, 2, MOAT_PROG_MEM, pkt, sizeof(pkt)), 0, "load past the packet returns 0");

	/* A = 7; X = 0; A /= X -> the program returns 0 */
	struct moat_cbpf_insn divx[] = { I(0x00, 0, 0, 7), I(0x01, 0, 0, 0), I(0x3c, 0, 0, 0), I(0x06, 0, 0, 9) };
	is_u64(run(divx, 4, MOAT_PROG_MEM, pkt, sizeof(pkt)), 0, "division by X == 0 returns 0");
	/* scratch memory, tax/txa, alu, len, jset, jgt with k >= 2^31 */
	struct moat_cbpf_insn mix[] = {
		I(0x80, 0, 0, 0),          /* A = len (64) */
		I(0x02, 0, 0, 5),          /* M[5] = A */
		I(0x04, 0, 0, 1),          /* A += 1 */
		I(0x07, 0, 0, 0),          /* X = A (65) */
		I(0x60, 0, 0, 5),          /* A = M[5] */
		I(0x0c, 0, 0, 0),          /* A += X (129) */
		I(0x45, 0, 2, 0x80),       /* jset #0x80 */
		I(0x25, 1, 0, 0x80000000u),/* jgt #0x80000000 (unsigned: false) */
		I(0x16, 0, 0, 0),          /* ret A */
		I(0x06, 0, 0, 1),          /* ret #1 */
	};
	is_u64(run(mix, N(mix), MOAT_PROG_MEM, pkt, sizeof(pkt)), 129, "scratch, tax, alu, len, jset, unsigned jgt");

	/* seccomp: allow getpid (39), errno for the rest */
	struct moat_cbpf_insn sc[] = { I(0x20, 0, 0, 0), I(0x15, 0, 1, 39), I(0x06, 0, 0, 0x7fff0000u),
				       I(0x06, 0, 0, 0x00050001u) };
	uint32_t data[16] = { 39, 0xc000003e };
	is_u64(run(sc, 4, MOAT_PROG_SECCOMP, data, sizeof(data)), 0x7fff0000u, "seccomp allows getpid");
	data[0] = 40;
	is_u64(run(sc, 4, MOAT_PROG_SECCOMP, data, sizeof(data)), 0x00050001u, "seccomp errno for the rest");
}

int main(void)
{
	test_check();
	test_disasm();
	test_translate();
	return tap_done();
}
