# mem program: an index checked against the buffer length r2 (16).
# expect: accept
# mem-len: 16
# kernel: no
	ldxb %r3, [%r1+0]
	jge %r3, %r2, +3
	add %r1, %r3
	ldxb %r0, [%r1+0]
	exit
	mov %r0, 0
	exit
