# LD_ABS has no 8-byte form (opcode 0x38).
# expect: reject
# insn: 0
# reason: invalid opcode 0x38
# type: socket
# kernel: yes
	.insn 0x0000000000000038	# <- rejected here
	mov %r0, 0
	exit
