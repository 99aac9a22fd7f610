# socket: LD_ABS needs the context in r6.
# expect: reject
# insn: 1
# reason: need r6 to hold the context
# type: socket
# kernel: yes
	mov %r6, 0
	ldabsb 0	# <- rejected here
	exit
