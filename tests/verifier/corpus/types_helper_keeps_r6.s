# r6-r9 survive a helper call.
# expect: accept
# type: socket
# kernel: yes
	mov %r6, %r1
	mov %r9, 3
	call 7
	ldxw %r0, [%r6+0]
	add %r0, %r9
	exit
