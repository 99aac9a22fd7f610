# number + pointer is a pointer too.
# expect: accept
# type: socket
# kernel: yes
	mov %r3, -8
	add %r3, %r10
	stw [%r3+0], 1
	ldxw %r0, [%r10-8]
	exit
