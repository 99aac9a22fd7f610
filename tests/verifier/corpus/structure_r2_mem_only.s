# r2 holds the buffer length on entry only in mem programs; socket filters get r1 alone.
# expect: reject
# insn: 0
# reason: r2 is read before it is written
# type: socket
# kernel: yes
	mov %r0, %r2	# <- rejected here
	exit
