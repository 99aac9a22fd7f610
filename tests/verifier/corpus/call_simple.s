# A local call returning a value.
# expect: accept
# type: socket
# kernel: yes
	call local f
	exit
f:
	mov %r0, 3
	exit
