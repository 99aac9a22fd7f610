# mem program: (b & 0xf0) >> 4 is in [0, 15].
# expect: accept
# mem-len: 16
# kernel: no
	ldxb %r2, [%r1+0]
	and %r2, 0xf0
	rsh %r2, 4
	add %r1, %r2
	ldxb %r0, [%r1+0]
	exit
