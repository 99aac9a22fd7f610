# A load through a register holding a number.
# expect: reject
# insn: 1
# reason: r2 is a number
# type: socket
# kernel: yes
	mov %r2, 100
	ldxw %r0, [%r2+0]	# <- rejected here
	exit
