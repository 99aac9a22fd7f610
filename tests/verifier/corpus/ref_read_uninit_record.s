# A freshly reserved record holds stale bytes; reading them is allowed.
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
	ldxdw %r6, [%r0+0]
	mov %r1, %r0
	mov %r2, 0
	call 132
	mov %r0, %r6
	exit
