# socket: LD_ABS clobbers r1-r5 as a call does.
# expect: reject
# insn: 3
# reason: r2 is read
# type: socket
# kernel: yes
	mov %r6, %r1
	mov %r2, 1
	ldabsb 0
	mov %r0, %r2	# <- rejected here
	exit
