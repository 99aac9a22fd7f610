# The difference of two stack pointers is a number.
# expect: accept
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, -8
	mov %r3, %r10
	sub %r3, %r2
	mov %r0, %r3
	exit
