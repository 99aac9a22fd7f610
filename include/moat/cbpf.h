/*
 * Classic BPF: the struct sock_filter programs of SO_ATTACH_FILTER, seccomp
 * and tcpdump -d.  Decoded, encoded, checked and translated to eBPF so the
 * same verifier, interpreter and JIT run both.
 */
#ifndef MOAT_CBPF_H
#define MOAT_CBPF_H

#include <moat/prog.h>

struct moat_cbpf_insn { /* layout of struct sock_filter */
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
_Static_assert(sizeof(struct moat_cbpf_insn) == 8, "classic BPF instructions are 8 bytes");

#define MOAT_CBPF_MAXINSNS 4096

/*
 * Checks a classic program as the kernel's sk_chk_filter does: known
 * opcodes, forward jumps inside the program, scratch-memory indexes below
 * 16, division by constant zero refused, ends in a return.  `seccomp` also
 * applies seccomp's rules (only 32-bit aligned loads of struct seccomp_data).
 */
MOAT_API int moat_cbpf_check(const struct moat_cbpf_insn *insns, size_t n, bool seccomp,
			     struct moat_error *err);

/*
 * Translates a checked classic program to an eBPF program of `type`
 * (MOAT_PROG_SOCKET_FILTER: packet loads become LD_ABS/LD_IND;
 * MOAT_PROG_SECCOMP: loads read struct seccomp_data from r1; MOAT_PROG_MEM:
 * loads read the buffer).  A and X live in r0 and r7, M[] on the stack.
 * Returns NULL on error; free with moat_prog_free().
 */
MOAT_API struct moat_prog *moat_cbpf_to_ebpf(const struct moat_cbpf_insn *insns, size_t n,
					     enum moat_prog_type type, struct moat_error *err);

/* One instruction as tcpdump -d prints it ("(004) jeq #0x800 jt 5 jf 7"). */
MOAT_API int moat_cbpf_disasm_insn(const struct moat_cbpf_insn *insns, size_t n, size_t i,
				   char *buf, size_t buflen);

#endif
