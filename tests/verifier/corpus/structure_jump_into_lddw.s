# A jump into the second half of an lddw.
# expect: reject
# insn: 0
# reason: second half of an lddw
# type: socket
# kernel: yes
	ja +1	# <- rejected here
	lddw %r0, 0x100000000
	mov %r0, 0
	exit
