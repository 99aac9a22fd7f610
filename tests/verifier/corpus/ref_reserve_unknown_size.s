# ringbuf_reserve with a size that is not a constant.
# expect: reject
# insn: 6
# reason: known constant size
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	call 7
	mov %r2, %r0
	and %r2, 63
	lddw %r1, map rb
	mov %r3, 0
	call 131	# <- rejected here
	mov %r0, 0
	exit
