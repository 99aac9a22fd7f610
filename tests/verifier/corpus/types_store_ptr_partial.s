# Storing 4 bytes of a pointer to the stack.
# expect: reject
# insn: 0
# reason: storing 4 bytes of a stack pointer on the stack
# type: socket
# kernel: yes
	stxw [%r10-8], %r10	# <- rejected here
	mov %r0, 0
	exit
