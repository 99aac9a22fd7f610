# map_lookup_elem on a ring buffer.
# expect: reject
# insn: 5
# reason: no elements to look up
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map rb
	call 1	# <- rejected here
	mov %r0, 0
	exit
