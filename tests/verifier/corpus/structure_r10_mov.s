# r10, the frame pointer, cannot be written.
# expect: reject
# insn: 0
# reason: r10 (the frame pointer) is read-only
# type: socket
# kernel: yes
	mov %r10, 0	# <- rejected here
	mov %r0, 0
	exit
