# A called function without exit at its end.
# expect: reject
# insn: 2
# reason: falls off the end of the function
# type: socket
# kernel: yes
	call local f
	exit
f:
	mov %r0, 0	# <- rejected here
