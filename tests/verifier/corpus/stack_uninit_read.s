# A load from stack never written.
# expect: reject
# insn: 0
# reason: uninitialised stack
# type: socket
# kernel: yes
	ldxdw %r0, [%r10-8]	# <- rejected here
	exit
