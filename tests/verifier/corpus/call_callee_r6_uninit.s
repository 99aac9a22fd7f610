# A function reads r6, which it never set (r6-r9 are not arguments).
# expect: reject
# insn: 3
# reason: r6 is read before it is written
# type: socket
# kernel: yes
	mov %r6, 1
	call local f
	exit
f:
	mov %r0, %r6	# <- rejected here
	exit
