# A store above the frame pointer.
# expect: reject
# insn: 0
# reason: outside the 512-byte stack
# type: socket
# kernel: yes
	stw [%r10+0], 1	# <- rejected here
	mov %r0, 0
	exit
