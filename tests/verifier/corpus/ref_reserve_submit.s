# Reserve, test, write, submit.
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
	mov %r1, %r0
	mov %r2, 0
	call 132
	mov %r0, 0
	exit
