# socket: no direct packet access.
# expect: reject
# insn: 0
# reason: cannot access packet data directly
# type: socket
# kernel: yes
	ldxw %r0, [%r1+76]	# <- rejected here
	exit
