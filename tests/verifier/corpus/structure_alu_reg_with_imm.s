# mov r0, r1 with an immediate.
# expect: reject
# insn: 0
# reason: register-source ALU instruction must have immediate zero
# type: socket
# kernel: yes
	.insn 0x00000001000010bf	# <- rejected here
	exit
