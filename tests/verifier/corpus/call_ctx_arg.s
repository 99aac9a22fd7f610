# The context passed in r1 to a function that reads it.
# expect: accept
# type: socket
# kernel: yes
	call local f
	exit
f:
	ldxw %r0, [%r1+0]
	exit
