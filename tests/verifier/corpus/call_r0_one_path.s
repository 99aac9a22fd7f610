# A function sets r0 on one path only.
# expect: reject
# insn: 4
# reason: r0 is read before it is written
# type: socket
# kernel: yes
	call local f
	exit
f:
	jeq %r1, 0, +1
	mov %r0, 1
	exit	# <- rejected here
