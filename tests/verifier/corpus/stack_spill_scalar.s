# Spill a constant, fill it back, return it.
# expect: accept
# type: socket
# kernel: yes
	mov %r6, 5
	stxdw [%r10-8], %r6
	ldxdw %r0, [%r10-8]
	exit
