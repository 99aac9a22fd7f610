# An lddw as the last instruction has no second half.
# expect: reject
# insn: 2
# reason: missing its second half
# type: socket
# kernel: yes
	mov %r0, 0
	exit
	.insn 0x0000000100000018	# <- rejected here
