# ja with a non-zero immediate.
# expect: reject
# insn: 1
# reason: ja must have registers and immediate zero
# type: socket
# kernel: yes
	mov %r0, 0
	.insn 0x0000000500000005	# <- rejected here
	exit
