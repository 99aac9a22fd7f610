# A constant shift by 64 of a 64-bit value.
# expect: reject
# insn: 1
# reason: shift by 64 is out of range
# type: socket
# kernel: yes
	mov %r0, 1
	lsh %r0, 64	# <- rejected here
	exit
