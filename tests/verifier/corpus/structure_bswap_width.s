# A byte swap of width 8.
# expect: reject
# insn: 1
# reason: byte swap width must be 16, 32 or 64
# type: socket
# kernel: yes
	mov %r0, 0
	.insn 0x00000008000000d4	# <- rejected here
	exit
