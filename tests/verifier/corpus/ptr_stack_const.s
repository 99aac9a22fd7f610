# Stack pointer plus constants, then a store and a load.
# expect: accept
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, -16
	stdw [%r2+8], 7
	ldxdw %r0, [%r10-8]
	exit
