/* XDP programs in moat's VM: struct moat_xdp_ctx, the context rewrite, every mode. */
#include <errno.h>
#include <string.h>

#include <moat/moat.h>
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LDXW(d, s, o) MOAT_LDX_MEM(MOAT_W, d, s, o)

static struct moat_vm *vm;

/* Returns IPv4 ? 2 : 1 after a bounds check against data_end; writes 0xee
 * into the first byte of packets it passes; r0 = ingress_ifindex + 100
 * for packets of exactly 15 bytes. */
static const struct moat_insn prog_insns[] = {
	LDXW(MOAT_R2, MOAT_R1, 0),                                   /* 0: data */
	LDXW(MOAT_R3, MOAT_R1, 4),                                   /* 1: data_end */
	MOAT_MOV64_REG(MOAT_R4, MOAT_R2),                            /* 2 */
	MOAT_ALU64_IMM(MOAT_ADD, MOAT_R4, 14),                       /* 3 */
	MOAT_INSN(MOAT_JMP | MOAT_JGT | MOAT_X, MOAT_R4, MOAT_R3, 11, 0), /* 4: -> 16 drop */
	MOAT_LDX_MEM(MOAT_H, MOAT_R0, MOAT_R2, 12),                  /* 5: ethertype */
	MOAT_INSN(MOAT_JMP | MOAT_JNE | MOAT_K, MOAT_R0, 0, 9, 0x0008), /* 6: -> 16 drop */
	MOAT_ST_MEM(MOAT_B, MOAT_R2, 0, 0xee),                       /* 7 */
	MOAT_MOV64_REG(MOAT_R5, MOAT_R3),                            /* 8 */
	MOAT_ALU64_REG(MOAT_SUB, MOAT_R5, MOAT_R2),                  /* 9: length */
	MOAT_INSN(MOAT_JMP | MOAT_JNE | MOAT_K, MOAT_R5, 0, 3, 15),  /* 10: -> 14 */
	LDXW(MOAT_R0, MOAT_R1, 12),                                  /* 11: ingress_ifindex */
	MOAT_ALU64_IMM(MOAT_ADD, MOAT_R0, 100),                      /* 12 */
	MOAT_EXIT_INSN(),                                            /* 13 */
	MOAT_MOV64_IMM(MOAT_R0, 2),                                  /* 14 */
	MOAT_EXIT_INSN(),                                            /* 15 */
	MOAT_MOV64_IMM(MOAT_R0, 1),                                  /* 16 */
	MOAT_EXIT_INSN(),                                            /* 17 */
};

static const enum moat_exec_mode modes[] = { MOAT_EXEC_INTERP, MOAT_EXEC_CHECKED, MOAT_EXEC_JIT };
static const char *const mode_names[] = { "interp", "checked", "jit" };

static void test_modes(void)
{
	struct moat_error err;
	struct moat_prog *p = moat_prog_new(MOAT_PROG_XDP, prog_insns, N(prog_insns), &err);
	ok(p && moat_verify(p, NULL, NULL, &err) == 0, "xdp program verifies");
	for (size_t m = 0; m < N(modes); m++) {
		MOAT_OPTS(moat_exec_opts, eo, .mode = modes[m]);
		struct moat_exec *e = moat_exec_new(vm, p, &eo, &err);
		ok(e != NULL, "%s: exec made (%s)", mode_names[m], e ? "" : err.msg);
		if (!e)
			continue;
		uint8_t ip[20] = { [12] = 0x08, [13] = 0x00 }, arp[20] = { [12] = 0x08, [13] = 0x06 };
		uint8_t shortp[10] = { 0 }, ip15[15] = { [12] = 0x08 };
		struct moat_xdp_ctx c;
		uint64_t r0 = 0;
		moat_xdp_ctx_init(&c, ip, sizeof(ip));
		ok(moat_exec_run(e, &c, sizeof(c), &r0, &err) == 0 && r0 == 2 && ip[0] == 0xee,
		   "%s: IPv4 passes and the packet write lands", mode_names[m]);
		moat_xdp_ctx_init(&c, arp, sizeof(arp));
		ok(moat_exec_run(e, &c, sizeof(c), &r0, &err) == 0 && r0 == 1 && arp[0] == 0,
		   "%s: ARP dropped, untouched", mode_names[m]);
		moat_xdp_ctx_init(&c, shortp, sizeof(shortp));
		ok(moat_exec_run(e, &c, sizeof(c), &r0, &err) == 0 && r0 == 1,
		   "%s: a packet shorter than the header is dropped", mode_names[m]);
		moat_xdp_ctx_init(&c, ip15, sizeof(ip15));
		c.md[3] = 7;
		ok(moat_exec_run(e, &c, sizeof(c), &r0, &err) == 0 && r0 == 107,
		   "%s: ingress_ifindex read at its uapi offset", mode_names[m]);
		if (modes[m] != MOAT_EXEC_CHECKED)
			ok(moat_exec_run(e, &c, 24, &r0, &err) == -EINVAL &&
				   strstr(err.msg, "moat_xdp_ctx"),
			   "%s: a context of xdp_md's size is refused", mode_names[m]);
		moat_exec_free(e);
	}
	moat_prog_free(p);
}

/* One load reading data through the context on one path and the stack on
 * the other cannot be rewritten: rejected, as the kernel rejects it. */
static void test_mixed_load(void)
{
	const struct moat_insn ins[] = {
		MOAT_ST_MEM(MOAT_DW, MOAT_R10, -8, 0),
		MOAT_MOV64_REG(MOAT_R2, MOAT_R1),
		LDXW(MOAT_R3, MOAT_R1, 12),
		MOAT_INSN(MOAT_JMP | MOAT_JEQ | MOAT_K, MOAT_R3, 0, 2, 0),
		MOAT_MOV64_REG(MOAT_R2, MOAT_R10),
		MOAT_ALU64_IMM(MOAT_ADD, MOAT_R2, -8),
		LDXW(MOAT_R0, MOAT_R2, 0),
		MOAT_MOV64_IMM(MOAT_R0, 2),
		MOAT_EXIT_INSN(),
	};
	struct moat_error err;
	struct moat_prog *p = moat_prog_new(MOAT_PROG_XDP, ins, N(ins), &err);
	ok(p && moat_verify(p, NULL, NULL, &err) == -EACCES && err.insn == 6 &&
		   strstr(err.msg, "packet pointer"),
	   "a load of a packet pointer that also reads the stack is rejected (%s)", err.msg);
	moat_prog_free(p);
}

int main(void)
{
	struct moat_error err;
	vm = moat_vm_new(NULL, &err);
	test_modes();
	test_mixed_load();
	moat_vm_free(vm);
	return tap_done();
}
