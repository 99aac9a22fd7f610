# An lddw into r10.
# expect: reject
# insn: 0
# reason: r10 (the frame pointer) is read-only
# type: socket
# kernel: yes
	lddw %r10, 1	# <- rejected here
	mov %r0, 0
	exit
