# mem program: (b & 0xf0) >> 4 may be 15, beyond a 15-byte buffer.
# expect: reject
# insn: 4
# reason: may leave the 15-byte input buffer
# mem-len: 15
# kernel: no
	ldxb %r2, [%r1+0]
	and %r2, 0xf0
	rsh %r2, 4
	add %r1, %r2
	ldxb %r0, [%r1+0]	# <- rejected here
	exit
