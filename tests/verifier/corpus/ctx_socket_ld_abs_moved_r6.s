# socket: LD_ABS reads the packet through r6, which must be the unmoved context.
# expect: reject
# insn: 2
# reason: unmoved
# type: socket
# kernel: yes
	mov %r6, %r1
	add %r6, 8
	ldabsb 0	# <- rejected here
	exit
