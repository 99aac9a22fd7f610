# mem: a load past the buffer.
# expect: reject
# insn: 0
# reason: outside the 16-byte input buffer
# mem-len: 16
# kernel: no
	ldxdw %r0, [%r1+9]	# <- rejected here
	exit
