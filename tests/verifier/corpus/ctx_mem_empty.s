# mem: with no buffer, any load is outside it.
# expect: reject
# insn: 0
# reason: outside the 0-byte input buffer
# kernel: no
	ldxb %r0, [%r1+0]	# <- rejected here
	exit
