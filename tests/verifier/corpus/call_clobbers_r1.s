# r1-r5 of the caller are clobbered by a local call.
# expect: reject
# insn: 2
# reason: r2 is read
# type: socket
# kernel: yes
	mov %r2, 5
	call local f
	mov %r0, %r2	# <- rejected here
	exit
f:
	mov %r0, 0
	exit
