# A function that exits without setting r0.
# expect: reject
# insn: 2
# reason: r0 is read before it is written
# type: socket
# kernel: yes
	call local f
	exit
f:
	exit	# <- rejected here
