# ALU64 operation code 0xe0 does not exist.
# expect: reject
# insn: 0
# reason: invalid opcode 0xe7
# type: socket
# kernel: yes
	.insn 0x00000000000000e7	# <- rejected here
	mov %r0, 0
	exit
