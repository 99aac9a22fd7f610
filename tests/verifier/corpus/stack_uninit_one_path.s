# The slot is written on one path only.
# expect: reject
# insn: 3
# reason: uninitialised stack
# type: socket
# kernel: yes
	ldxw %r2, [%r1+0]
	jeq %r2, 0, +1
	stdw [%r10-8], 1
	ldxdw %r0, [%r10-8]	# <- rejected here
	exit
