# mem programs: division by zero is defined (gives 0).
# expect: accept
# kernel: no
	mov %r0, 5
	div %r0, 0
	exit
