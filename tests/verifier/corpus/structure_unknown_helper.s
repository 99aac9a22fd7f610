# A call to a helper id nobody defines.
# expect: reject
# insn: 0
# reason: unknown helper 9999
# type: socket
# kernel: yes
	call 9999	# <- rejected here
	mov %r0, 0
	exit
