# ringbuf_reserve on a hash map.
# expect: reject
# insn: 4
# reason: ring-buffer helpers need a ring-buffer map
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
.map h hash key=4 value=8 entries=4
	lddw %r1, map h
	mov %r2, 8
	mov %r3, 0
	call 131	# <- rejected here
	mov %r0, 0
	exit
