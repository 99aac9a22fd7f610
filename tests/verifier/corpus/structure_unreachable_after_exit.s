# Code after the last exit that no jump reaches.
# expect: reject
# insn: 2
# reason: unreachable
# type: socket
# kernel: yes
	mov %r0, 0
	exit
	mov %r0, 1	# <- rejected here
	exit
