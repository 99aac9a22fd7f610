# A 32-bit move into r10.
# expect: reject
# insn: 0
# reason: r10 (the frame pointer) is read-only
# type: socket
# kernel: yes
	mov32 %r10, %r1	# <- rejected here
	mov %r0, 0
	exit
