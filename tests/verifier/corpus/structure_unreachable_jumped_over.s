# An instruction every path jumps over.
# expect: reject
# insn: 1
# reason: unreachable
# type: socket
# kernel: yes
	ja +1
	mov %r0, 1	# <- rejected here
	mov %r0, 0
	exit
