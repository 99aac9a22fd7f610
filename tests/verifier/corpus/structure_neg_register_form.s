# neg has no register-source form (0x8f).
# expect: reject
# insn: 1
# reason: neg has no register form
# type: socket
# kernel: yes
	mov %r0, 0
	.insn 0x000000000000108f	# <- rejected here
	exit
