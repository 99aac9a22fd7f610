# LDX with the IND mode (0x41) is not an instruction.
# expect: reject
# insn: 0
# reason: invalid opcode 0x41
# type: socket
# kernel: yes
	.insn 0x0000000000001041	# <- rejected here
	mov %r0, 0
	exit
