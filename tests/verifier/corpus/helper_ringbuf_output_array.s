# ringbuf_output to an array map.
# expect: reject
# insn: 7
# reason: ring-buffer helpers need a ring-buffer map
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	stdw [%r10-8], 7
	lddw %r1, map m
	mov %r2, %r10
	add %r2, -8
	mov %r3, 8
	mov %r4, 0
	call 130	# <- rejected here
	mov %r0, 0
	exit
