# A spilled pointer overwritten by a number.
# expect: reject
# insn: 3
# reason: r2 is a number
# type: socket
# kernel: yes
	stxdw [%r10-8], %r1
	stdw [%r10-8], 7
	ldxdw %r2, [%r10-8]
	ldxw %r0, [%r2+0]	# <- rejected here
	exit
