# exit exists only in the JMP class, not JMP32 (0x96).
# expect: reject
# insn: 1
# reason: invalid opcode 0x96
# type: socket
# kernel: yes
	mov %r0, 0
	.insn 0x0000000000000096	# <- rejected here
