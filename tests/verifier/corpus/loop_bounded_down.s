# A counter masked to [0, 15] counted down to 0.
# expect: accept
# type: socket
# kernel: yes
	call 7
	mov %r6, %r0
	and %r6, 15
loop:
	jeq %r6, 0, +2
	sub %r6, 1
	ja loop
	mov %r0, 0
	exit
