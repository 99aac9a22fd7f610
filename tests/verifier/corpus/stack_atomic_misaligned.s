# A misaligned 8-byte atomic on the stack.
# expect: reject
# insn: 3
# reason: misaligned 8-byte atomic access
# type: socket
# kernel: yes
	stdw [%r10-16], 0
	stdw [%r10-8], 0
	mov %r1, 1
	lock add [%r10-12], %r1	# <- rejected here
	mov %r0, 0
	exit
