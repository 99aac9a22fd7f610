# add with offset 1, which only sdiv/smod/movsx use.
# expect: reject
# insn: 1
# reason: offset 1 is not valid for this ALU operation
# type: socket
# kernel: yes
	mov %r0, 0
	.insn 0x0000000100010007	# <- rejected here
	exit
