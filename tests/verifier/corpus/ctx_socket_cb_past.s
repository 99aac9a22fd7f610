# socket: an 8-byte access at cb[4] runs into hash.
# expect: reject
# insn: 0
# reason: misaligned
# type: socket
# kernel: yes
	ldxdw %r0, [%r1+68]	# <- rejected here
	exit
