# A counter from 0 to 10.
# expect: accept
# type: socket
# kernel: yes
	mov %r6, 0
loop:
	add %r6, 1
	jlt %r6, 10, loop
	mov %r0, %r6
	exit
