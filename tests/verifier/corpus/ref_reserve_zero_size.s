# ringbuf_reserve of 0 bytes.
# expect: reject
# insn: 4
# reason: known constant size above 0
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	lddw %r1, map rb
	mov %r2, 0
	mov %r3, 0
	call 131	# <- rejected here
	mov %r0, 0
	exit
