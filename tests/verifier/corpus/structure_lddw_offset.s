# lddw with a non-zero offset.
# expect: reject
# insn: 0
# reason: lddw must have offset zero
# type: socket
# kernel: yes
	.insn 0x0000000100010018	# <- rejected here
	.insn 0x0000000000000000
	mov %r0, 0
	exit
