# main 256 bytes + callee 256 bytes = 512.
# expect: accept
# type: socket
# kernel: yes
	stdw [%r10-256], 0
	call local f
	exit
f:
	stdw [%r10-256], 0
	mov %r0, 0
	exit
