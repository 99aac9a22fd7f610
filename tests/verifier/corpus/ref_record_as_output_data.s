# A record used as the data of ringbuf_output, then submitted.
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
	stdw [%r0+0], 1
	mov %r6, %r0
	lddw %r1, map rb
	mov %r2, %r6
	mov %r3, 8
	mov %r4, 0
	call 130
	mov %r1, %r6
	mov %r2, 0
	call 132
	mov %r0, 0
	exit
