# A misaligned 4-byte stack access in a socket filter: safe, but the kernel
# insists on aligned stack accesses, and kernel-bound types follow it.
# expect: reject
# insn: 0
# reason: misaligned 4-byte stack access
# type: socket
# kernel: yes
	stw [%r10-6], 1
	ldxw %r0, [%r10-6]
	exit
