# A stack pointer is never NULL: the branch is decided.
# expect: accept
# type: socket
# kernel: yes
	mov %r2, %r10
	jeq %r2, 0, +2
	mov %r0, 0
	exit
	mov %r0, %r10
	exit
