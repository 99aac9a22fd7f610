# A store 8 bytes below the 512-byte stack.
# expect: reject
# insn: 2
# reason: outside the 512-byte stack
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, -520
	stdw [%r2+0], 1	# <- rejected here
	mov %r0, 0
	exit
