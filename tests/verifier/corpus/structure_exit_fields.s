# exit with a non-zero immediate.
# expect: reject
# insn: 1
# reason: exit must have every field zero
# type: socket
# kernel: yes
	mov %r0, 0
	.insn 0x0000000100000095	# <- rejected here
