# Division by a register that may be zero is defined at run time.
# expect: accept
# type: socket
# kernel: yes
	ldxw %r2, [%r1+0]
	mov %r0, 100
	div %r0, %r2
	exit
