# rsh by 63 is in range.
# expect: accept
# type: socket
# kernel: yes
	mov %r0, -1
	rsh %r0, 63
	exit
