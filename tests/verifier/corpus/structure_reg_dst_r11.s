# mov r11, 0: there is no r11.
# expect: reject
# insn: 0
# reason: register r11 does not exist
# type: socket
# kernel: yes
	.insn 0x0000000000000bb7	# <- rejected here
	mov %r0, 0
	exit
