# An immediate jump with a src register.
# expect: reject
# insn: 1
# reason: immediate jump must have src register zero
# type: socket
# kernel: yes
	mov %r0, 0
	.insn 0x0000000000011015	# <- rejected here
	exit
