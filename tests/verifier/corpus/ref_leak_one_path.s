# Released on one branch only.
# expect: reject
# insn: 15
# reason: neither submitted nor discarded
# type: socket
# kernel: yes
.map rb ringbuf entries=4096
	mov %r6, %r1
	lddw %r1, map rb
	mov %r2, 8
	mov %r3, 0
	call 131
	jne %r0, 0, +2
	mov %r0, 0
	exit
	ldxw %r2, [%r6+0]
	jeq %r2, 0, +3
	mov %r1, %r0
	mov %r2, 0
	call 132
	mov %r0, 0
	exit	# <- rejected here
