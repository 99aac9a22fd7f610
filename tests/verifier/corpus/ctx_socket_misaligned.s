# socket: a 4-byte load at offset 2.
# expect: reject
# insn: 0
# reason: misaligned
# type: socket
# kernel: yes
	ldxw %r0, [%r1+2]	# <- rejected here
	exit
