# mov r0, r12: there is no r12.
# expect: reject
# insn: 0
# reason: register r12 does not exist
# type: socket
# kernel: yes
	.insn 0x000000000000c0bf	# <- rejected here
	exit
