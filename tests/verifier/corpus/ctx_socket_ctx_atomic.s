# socket: atomic operations on the context.
# expect: reject
# insn: 1
# reason: atomic operations on the context
# type: socket
# kernel: yes
	mov %r2, 1
	lock add32 [%r1+48], %r2	# <- rejected here
	mov %r0, 0
	exit
