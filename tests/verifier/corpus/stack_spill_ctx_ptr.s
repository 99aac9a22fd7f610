# Spill the context pointer and load through the filled copy.
# expect: accept
# type: socket
# kernel: yes
	stxdw [%r10-8], %r1
	ldxdw %r2, [%r10-8]
	ldxw %r0, [%r2+0]
	exit
