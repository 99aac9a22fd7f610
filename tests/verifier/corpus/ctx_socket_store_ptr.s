# socket: storing a pointer into the context.
# expect: reject
# insn: 0
# reason: storing a pointer into the context
# type: socket
# kernel: yes
	stxdw [%r1+48], %r10	# <- rejected here
	mov %r0, 0
	exit
