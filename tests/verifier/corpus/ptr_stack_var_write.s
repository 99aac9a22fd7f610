# A store at a variable but bounded stack offset.
# expect: accept
# type: socket
# kernel: yes
	call 7
	and %r0, 7
	mov %r2, %r10
	add %r2, -16
	add %r2, %r0
	stb [%r2+0], 1
	mov %r0, 0
	exit
