# A jump before the first instruction.
# expect: reject
# insn: 1
# reason: outside the program
# type: socket
# kernel: yes
	mov %r0, 0
	ja -3	# <- rejected here
	exit
