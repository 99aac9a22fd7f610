# arsh by 100.
# expect: reject
# insn: 1
# reason: shift by 100 is out of range
# type: socket
# kernel: yes
	mov %r0, -1
	arsh %r0, 100	# <- rejected here
	exit
