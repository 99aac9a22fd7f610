# Comparing a pointer with a number is allowed.
# expect: accept
# type: socket
# kernel: yes
	mov %r2, %r10
	mov %r0, 0
	jeq %r2, 5, +1
	mov %r0, 1
	exit
