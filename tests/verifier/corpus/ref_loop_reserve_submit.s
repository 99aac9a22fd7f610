# Reserve and submit in each of 4 loop iterations.
# expect: accept
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	mov %r6, 0
loop:
	lddw %r1, map rb
	mov %r2, 8
	mov %r3, 0
	call 131
	jeq %r0, 0, +3
	mov %r1, %r0
	mov %r2, 0
	call 132
	add %r6, 1
	jlt %r6, 4, loop
	mov %r0, 0
	exit
