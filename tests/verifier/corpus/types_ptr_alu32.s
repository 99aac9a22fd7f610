# 32-bit arithmetic on a pointer.
# expect: reject
# insn: 1
# reason: 32-bit arithmetic on a pointer
# type: socket
# kernel: yes
	mov %r2, %r10
	add32 %r2, -8	# <- rejected here
	mov %r0, 0
	exit
