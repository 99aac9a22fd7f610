# ringbuf_output of 16 bytes from an 8-byte buffer at the frame top.
# expect: reject
# insn: 7
# reason: outside the 512-byte stack
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	stdw [%r10-8], 7
	lddw %r1, map rb
	mov %r2, %r10
	add %r2, -8
	mov %r3, 16
	mov %r4, 0
	call 130	# <- rejected here
	mov %r0, 0
	exit
