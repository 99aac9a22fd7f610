# A helper call clobbers r1-r5.
# expect: reject
# insn: 1
# reason: clobbers r1-r5
# type: socket
# kernel: yes
	call 7
	mov %r0, %r1	# <- rejected here
	exit
