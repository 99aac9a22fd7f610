# A jump from the main program into a called function.
# expect: reject
# insn: 1
# reason: leaves the function
# type: socket
# kernel: yes
	call local f
	jeq %r0, 0, f	# <- rejected here
	exit
f:
	mov %r0, 0
	exit
