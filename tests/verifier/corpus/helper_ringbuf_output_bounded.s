# ringbuf_output with a size in [0, 16] of 16 initialised bytes.
# expect: accept
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	stdw [%r10-16], 7
	stdw [%r10-8], 7
	call 7
	mov %r3, %r0
	and %r3, 15
	add %r3, 1
	lddw %r1, map rb
	mov %r2, %r10
	add %r2, -16
	mov %r4, 0
	call 130
	mov %r0, 0
	exit
