# Submitting the record without testing it.
# expect: reject
# insn: 7
# reason: may be NULL
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	lddw %r1, map rb
	mov %r2, 8
	mov %r3, 0
	call 131
	mov %r1, %r0
	mov %r2, 0
	call 132	# <- rejected here
	mov %r0, 0
	exit
