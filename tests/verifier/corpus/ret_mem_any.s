# mem programs return any number.
# expect: accept
# kernel: no
	mov %r0, -5
	exit
