# An endless loop inside a called function.
# expect: reject
# insn: 3
# reason: infinite loop
# type: socket
# kernel: yes
	call local f
	exit
f:
	mov %r0, 0
	ja -1	# <- rejected here
	exit
