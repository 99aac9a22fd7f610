# Only 4 of the 8 bytes were written.
# expect: reject
# insn: 1
# reason: uninitialised stack at fp-4
# type: socket
# kernel: yes
	stw [%r10-8], 1
	ldxdw %r0, [%r10-8]	# <- rejected here
	exit
