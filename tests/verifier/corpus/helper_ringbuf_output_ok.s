# ringbuf_output of 8 stack bytes.
# expect: accept
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	stdw [%r10-8], 7
	lddw %r1, map rb
	mov %r2, %r10
	add %r2, -8
	mov %r3, 8
	mov %r4, 0
	call 130
	mov %r0, 0
	exit
