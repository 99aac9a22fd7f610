# An 8-byte load across two spilled pointers.
# expect: reject
# insn: 2
# reason: part of a pointer spilled
# type: mem
	stxdw [%r10-8], %r1
	stxdw [%r10-16], %r1
	ldxdw %r0, [%r10-12]	# <- rejected here
	exit
