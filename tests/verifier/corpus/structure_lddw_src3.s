# lddw with src 3 (a pseudo form moat does not support).
# expect: reject
# insn: 0
# reason: lddw with src 3 is not supported
# kernel: no
	.insn 0x0000000000003018	# <- rejected here
	.insn 0x0000000000000000
	mov %r0, 0
	exit
