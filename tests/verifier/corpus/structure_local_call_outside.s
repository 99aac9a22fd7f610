# A local call beyond the end of the program.
# expect: reject
# insn: 0
# reason: outside the program
# type: socket
# kernel: yes
	call local +10	# <- rejected here
	mov %r0, 0
	exit
