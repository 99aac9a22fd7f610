# A function returns a pointer to its own stack.
# expect: reject
# insn: 4
# reason: cannot return a pointer to the stack
# type: socket
# kernel: yes
	call local f
	mov %r0, 0
	exit
f:
	mov %r0, %r10
	exit	# <- rejected here
