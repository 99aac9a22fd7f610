# An atomic add to stack bytes never written.
# expect: reject
# insn: 1
# reason: uninitialised stack
# type: socket
# kernel: yes
	mov %r1, 1
	lock add [%r10-8], %r1	# <- rejected here
	mov %r0, 0
	exit
