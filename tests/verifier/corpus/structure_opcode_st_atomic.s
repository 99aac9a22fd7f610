# ST (immediate store) has no atomic mode (0xc2).
# expect: reject
# insn: 0
# reason: invalid opcode 0xc2
# type: socket
# kernel: yes
	.insn 0x0000000000000ac2	# <- rejected here
	mov %r0, 0
	exit
