# r10 may be read and copied.
# expect: accept
# type: socket
# kernel: yes
	mov %r1, %r10
	add %r1, -8
	stdw [%r1+0], 1
	mov %r0, 0
	exit
