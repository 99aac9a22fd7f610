# The key argument points to the context.
# expect: reject
# insn: 3
# reason: ctx
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	mov %r2, %r1
	lddw %r1, map m
	call 1	# <- rejected here
	mov %r0, 0
	exit
