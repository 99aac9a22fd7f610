# A 4-byte load of half a spilled pointer.
# expect: reject
# insn: 1
# reason: part of a pointer spilled
# type: socket
# kernel: yes
	stxdw [%r10-8], %r1
	ldxw %r0, [%r10-8]	# <- rejected here
	exit
