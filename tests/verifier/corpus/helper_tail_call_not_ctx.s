# tail_call whose first argument is not the context.
# expect: reject
# insn: 4
# reason: must be the context pointer
# type: socket
# kernel: yes
.map progs prog_array key=4 value=4 entries=4
	mov %r1, %r10
	lddw %r2, map progs
	mov %r3, 0
	call 12	# <- rejected here
	mov %r0, 0
	exit
