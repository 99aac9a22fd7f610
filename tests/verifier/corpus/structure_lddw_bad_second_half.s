# The second half of lddw must be zero but for its immediate.
# expect: reject
# insn: 0
# reason: second half of lddw must be zero
# type: socket
# kernel: yes
	.insn 0x0000000100000018	# <- rejected here
	.insn 0x00000000000000b7
	mov %r0, 0
	exit
