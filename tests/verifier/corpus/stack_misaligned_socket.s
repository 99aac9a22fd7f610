# A misaligned 4-byte stack access in a socket filter: safe, but the kernel
# insists on aligned stack accesses.
# expect: accept
# type: socket
# kernel: yes
# kernel-differs: the kernel requires naturally aligned stack accesses; a misaligned one is not a memory-safety problem
	stw [%r10-6], 1
	ldxw %r0, [%r10-6]
	exit
