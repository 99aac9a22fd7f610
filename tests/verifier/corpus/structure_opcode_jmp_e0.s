# Jump operation 0xf0 does not exist.
# expect: reject
# insn: 0
# reason: invalid opcode 0xf5
# type: socket
# kernel: yes
	.insn 0x00000000000000f5	# <- rejected here
	mov %r0, 0
	exit
