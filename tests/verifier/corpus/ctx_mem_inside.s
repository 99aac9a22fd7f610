# mem: a load inside the buffer.
# expect: accept
# mem-len: 16
# kernel: no
	ldxdw %r0, [%r1+8]
	exit
