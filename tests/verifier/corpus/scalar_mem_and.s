# mem program: a byte from the buffer masked to [0, 7] indexes 16 bytes.
# expect: accept
# mem-len: 16
# kernel: no
	ldxb %r2, [%r1+0]
	and %r2, 7
	add %r1, %r2
	ldxb %r0, [%r1+8]
	exit
