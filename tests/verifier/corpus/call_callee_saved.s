# r6-r9 of the caller survive a local call.
# expect: accept
# type: socket
# kernel: yes
	mov %r6, 5
	mov %r9, 6
	call local f
	add %r6, %r9
	mov %r0, %r6
	exit
f:
	mov %r6, 0
	mov %r0, 0
	exit
