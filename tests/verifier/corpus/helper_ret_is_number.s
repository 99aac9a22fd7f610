# A helper returning an integer gives a number, not a pointer.
# expect: reject
# insn: 1
# reason: r0 is a number
# type: socket
# kernel: yes
	call 5
	ldxb %r0, [%r0+0]	# <- rejected here
	exit
