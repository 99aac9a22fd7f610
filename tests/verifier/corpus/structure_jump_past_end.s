# A jump beyond the last instruction.
# expect: reject
# insn: 1
# reason: outside the program
# type: socket
# kernel: yes
	mov %r0, 0
	ja +5	# <- rejected here
	exit
