# A pointer stored into the stack with an 8-byte unaligned store.
# expect: reject
# insn: 0
# reason: pointers are spilled whole
# type: mem
	stxdw [%r10-12], %r1	# <- rejected here
	mov %r0, 0
	exit
