# A constant shift by 32 of a 32-bit value.
# expect: reject
# insn: 1
# reason: shift by 32 is out of range
# type: socket
# kernel: yes
	mov %r0, 1
	lsh32 %r0, 32	# <- rejected here
	exit
