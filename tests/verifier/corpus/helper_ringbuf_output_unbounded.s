# ringbuf_output with a size nothing bounds.
# expect: reject
# insn: 8
# reason: is not bounded
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	stdw [%r10-8], 7
	call 7
	mov %r3, %r0
	lddw %r1, map rb
	mov %r2, %r10
	add %r2, -8
	mov %r4, 0
	call 130	# <- rejected here
	mov %r0, 0
	exit
