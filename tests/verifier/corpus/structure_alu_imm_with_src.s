# mov r0, 1 with the src field set.
# expect: reject
# insn: 0
# reason: immediate ALU instruction must have src register zero
# type: socket
# kernel: yes
	.insn 0x00000001000010b7	# <- rejected here
	exit
