# A misaligned 4-byte stack access in a mem program: safe in moat's VM,
# which needs no alignment (the kernel-bound variant is rejected).
# expect: accept
# type: mem
	stw [%r10-6], 1
	ldxw %r0, [%r10-6]
	exit
