# One byte of a spilled pointer overwritten: the slot is no longer a pointer.
# expect: reject
# insn: 3
# reason: r2 is a number
# type: socket
# kernel: yes
	stxdw [%r10-8], %r1
	stb [%r10-8], 0
	ldxdw %r2, [%r10-8]
	ldxw %r0, [%r2+0]	# <- rejected here
	exit
