# ja -1 jumps to itself forever.
# expect: reject
# insn: 1
# reason: infinite loop
# type: socket
# kernel: yes
	mov %r0, 0
	ja -1	# <- rejected here
	exit
