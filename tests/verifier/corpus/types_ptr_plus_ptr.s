# Adding two pointers.
# expect: reject
# insn: 1
# reason: arithmetic between a stack and a stack pointer
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, %r10	# <- rejected here
	mov %r0, 0
	exit
