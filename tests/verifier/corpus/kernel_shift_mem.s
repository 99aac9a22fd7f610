# mem programs follow RFC 9669: the shift amount is taken modulo the width.
# expect: accept
# kernel: no
	mov %r0, 1
	lsh %r0, 64
	exit
