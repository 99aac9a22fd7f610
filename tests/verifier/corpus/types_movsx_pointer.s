# Sign extension of a pointer.
# expect: reject
# insn: 0
# reason: sign extension of a pointer
# type: socket
# kernel: yes
	movsx3264 %r2, %r10	# <- rejected here
	mov %r0, 0
	exit
