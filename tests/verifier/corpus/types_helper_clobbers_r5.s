# A helper call clobbers r5 too.
# expect: reject
# insn: 2
# reason: clobbers r1-r5
# type: socket
# kernel: yes
	mov %r5, 1
	call 7
	mov %r0, %r5	# <- rejected here
	exit
