# Adding to r10 writes it.
# expect: reject
# insn: 0
# reason: r10 (the frame pointer) is read-only
# type: socket
# kernel: yes
	add %r10, -8	# <- rejected here
	mov %r0, 0
	exit
