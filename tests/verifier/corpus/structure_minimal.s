# The smallest valid program: set r0, exit.
# expect: accept
# type: socket
# kernel: yes
	mov %r0, 0
	exit
