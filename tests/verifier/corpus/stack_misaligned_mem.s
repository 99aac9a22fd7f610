# A misaligned 4-byte stack access is safe in moat (mem program).
# expect: accept
# kernel: no
	stw [%r10-6], 1
	ldxw %r0, [%r10-6]
	exit
