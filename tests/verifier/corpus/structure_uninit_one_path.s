# r0 is set on one path to exit only.
# expect: reject
# insn: 3
# reason: r0 is read before it is written
# type: socket
# kernel: yes
	ldxw %r2, [%r1+0]
	jeq %r2, 0, +1
	mov %r0, 1
	exit	# <- rejected here
