# A stack pointer moved below the stack but never used is harmless.
# expect: accept
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, -600
	mov %r0, 0
	exit
