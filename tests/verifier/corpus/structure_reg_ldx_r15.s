# A load through r15.
# expect: reject
# insn: 0
# reason: register r15 does not exist
# type: socket
# kernel: yes
	.insn 0x000000000000f071	# <- rejected here
	exit
