# ringbuf_query on a ring buffer.
# expect: accept
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	lddw %r1, map rb
	mov %r2, 0
	call 134
	mov %r0, 0
	exit
