# socket: wire_len is not visible to socket filters.
# expect: reject
# insn: 0
# reason: not readable in socket programs
# type: socket
# kernel: yes
	ldxw %r0, [%r1+160]	# <- rejected here
	exit
