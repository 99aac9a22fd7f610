# mem program: the whole 512-byte frame, first and last slot.
# expect: accept
# kernel: no
	stdw [%r10-8], 1
	stdw [%r10-512], 2
	ldxdw %r0, [%r10-8]
	ldxdw %r1, [%r10-512]
	add %r0, %r1
	exit
