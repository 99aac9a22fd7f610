# An all-zero word (opcode 0x00) is not an instruction: lddw is 0x18.
# expect: reject
# insn: 2
# reason: invalid opcode 0x00
# type: socket
# kernel: yes
	mov %r0, 0
	exit
	.insn 0x0000000000000000	# <- rejected here
