# Negating a pointer.
# expect: reject
# insn: 1
# reason: negation of a pointer is not allowed
# type: socket
# kernel: yes
	mov %r2, %r10
	neg %r2	# <- rejected here
	mov %r0, 0
	exit
