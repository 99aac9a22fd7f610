# A load at a variable stack offset whose bytes are all written.
# expect: accept
# type: socket
# kernel: yes
	stdw [%r10-16], 0
	stdw [%r10-8], 0
	call 7
	and %r0, 7
	mov %r2, %r10
	add %r2, -16
	add %r2, %r0
	ldxb %r0, [%r2+0]
	exit
