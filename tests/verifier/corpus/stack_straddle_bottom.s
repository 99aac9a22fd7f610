# An 8-byte store that starts 4 bytes below the stack.
# expect: reject
# insn: 0
# reason: outside the 512-byte stack
# type: socket
# kernel: yes
	stdw [%r10-516], 1	# <- rejected here
	mov %r0, 0
	exit
