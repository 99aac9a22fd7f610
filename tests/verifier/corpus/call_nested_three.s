# Three nested calls passing the context down.
# expect: accept
# type: socket
# kernel: yes
	call local f
	exit
f:
	call local g
	exit
g:
	call local h
	exit
h:
	ldxw %r0, [%r1+0]
	exit
