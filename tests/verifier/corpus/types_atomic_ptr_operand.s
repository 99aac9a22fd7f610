# An atomic add of a pointer into memory.
# expect: reject
# insn: 1
# reason: atomic operation with a pointer operand
# type: socket
# kernel: yes
	stdw [%r10-8], 0
	lock add [%r10-8], %r10	# <- rejected here
	mov %r0, 0
	exit
