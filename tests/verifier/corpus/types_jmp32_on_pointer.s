# A 32-bit compare of a pointer is allowed (it only reads the low half).
# expect: accept
# type: socket
# kernel: yes
	mov %r2, %r10
	mov %r0, 0
	jeq32 %r2, 0, +1
	mov %r0, 1
	exit
