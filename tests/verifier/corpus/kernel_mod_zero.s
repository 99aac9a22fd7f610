# Modulo by the constant zero.
# expect: reject
# insn: 1
# reason: division by the constant zero
# type: socket
# kernel: yes
	mov %r0, 5
	mod32 %r0, 0	# <- rejected here
	exit
