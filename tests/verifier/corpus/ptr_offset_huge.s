# A constant offset of 2^30 is out of range for any pointer.
# expect: reject
# insn: 3
# reason: out of range
# type: socket
# kernel: yes
	mov %r2, %r10
	lddw %r3, 0x40000000
	add %r2, %r3	# <- rejected here
	mov %r0, 0
	exit
