# A conditional jump beyond the end.
# expect: reject
# insn: 1
# reason: outside the program
# type: socket
# kernel: yes
	mov %r0, 0
	jeq %r0, 0, +100	# <- rejected here
	exit
