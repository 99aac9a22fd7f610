# The slot is written on both paths.
# expect: accept
# type: socket
# kernel: yes
	ldxw %r2, [%r1+0]
	jeq %r2, 0, +2
	stdw [%r10-8], 1
	ja +1
	stdw [%r10-8], 2
	ldxdw %r0, [%r10-8]
	exit
