# A record spilled to the stack, filled and submitted.
# expect: accept
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	lddw %r1, map rb
	mov %r2, 8
	mov %r3, 0
	call 131
	jne %r0, 0, +2
	mov %r0, 0
	exit
	stxdw [%r10-8], %r0
	call 7
	ldxdw %r1, [%r10-8]
	mov %r2, 0
	call 132
	mov %r0, 0
	exit
