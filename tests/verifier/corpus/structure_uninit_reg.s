# r3 is read before anything writes it.
# expect: reject
# insn: 0
# reason: r3 is read before it is written
# type: socket
# kernel: yes
	mov %r0, %r3	# <- rejected here
	exit
