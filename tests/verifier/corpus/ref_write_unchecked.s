# A write to the record before testing it.
# expect: reject
# insn: 5
# reason: may be NULL
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	lddw %r1, map rb
	mov %r2, 8
	mov %r3, 0
	call 131
	stdw [%r0+0], 1	# <- rejected here
	mov %r0, 0
	exit
