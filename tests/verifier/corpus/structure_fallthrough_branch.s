# One branch exits, the other falls off the end.
# expect: reject
# insn: 3
# reason: falls off the end
# type: socket
# kernel: yes
	mov %r0, 0
	jeq %r0, 1, +1
	exit
	mov %r0, 1	# <- rejected here
