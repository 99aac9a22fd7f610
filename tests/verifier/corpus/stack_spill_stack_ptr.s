# A pointer to the stack, spilled and used to store.
# expect: accept
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, -16
	stxdw [%r10-8], %r2
	ldxdw %r3, [%r10-8]
	stdw [%r3+0], 1
	ldxdw %r0, [%r10-16]
	exit
