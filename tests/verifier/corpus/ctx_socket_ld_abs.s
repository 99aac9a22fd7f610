# socket: LD_ABS with r6 holding the context.
# expect: accept
# type: socket
# kernel: yes
	mov %r6, %r1
	ldabsb 0
	exit
