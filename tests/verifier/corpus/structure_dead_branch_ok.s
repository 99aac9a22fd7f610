# Code behind a branch that is never taken is reachable in the graph and allowed.
# expect: accept
# type: socket
# kernel: yes
	mov %r2, 0
	jeq %r2, 0, +1
	mov %r2, 1
	mov %r0, 0
	exit
