# A program may end in a backward ja (a loop) instead of exit.
# expect: accept
# type: socket
# kernel: yes
	mov %r0, 0
	ja +1
	exit
	ja -2
