# A load into r10.
# expect: reject
# insn: 0
# reason: r10 (the frame pointer) is read-only
# type: socket
# kernel: yes
	ldxw %r10, [%r1+0]	# <- rejected here
	mov %r0, 0
	exit
