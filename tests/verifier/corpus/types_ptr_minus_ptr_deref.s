# The difference of two pointers is a number, not a pointer.
# expect: reject
# insn: 4
# reason: r3 is a number
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, -8
	mov %r3, %r10
	sub %r3, %r2
	ldxb %r0, [%r3+0]	# <- rejected here
	exit
