# One byte below the 512-byte stack.
# expect: reject
# insn: 0
# reason: outside the 512-byte stack
# type: socket
# kernel: yes
	stb [%r10-513], 1	# <- rejected here
	mov %r0, 0
	exit
