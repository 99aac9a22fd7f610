# The smallest valid mem program.
# expect: accept
# kernel: no
	mov %r0, 0
	exit
