# socket: LD_IND with r6 holding the context.
# expect: accept
# type: socket
# kernel: yes
	mov %r6, %r1
	mov %r7, 2
	ldindh %r7, 0
	exit
