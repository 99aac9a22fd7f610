# A store through a register holding a number.
# expect: reject
# insn: 1
# reason: r2 is a number
# type: socket
# kernel: yes
	mov %r2, 0
	stw [%r2+0], 1	# <- rejected here
	mov %r0, 0
	exit
