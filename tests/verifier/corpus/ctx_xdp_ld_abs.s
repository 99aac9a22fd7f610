# xdp: LD_ABS is for socket and tc programs only.
# expect: reject
# insn: 1
# reason: not allowed in xdp programs
# type: xdp
# kernel: yes
	mov %r6, %r1
	ldabsb 0	# <- rejected here
	exit
