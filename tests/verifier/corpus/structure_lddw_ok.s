# A 64-bit constant with lddw, then a jump over another lddw pair.
# expect: accept
# type: socket
# kernel: yes
	lddw %r0, 0x1122334455667788
	jne %r0, 0, +2
	lddw %r0, 1
	mov %r0, 0
	exit
