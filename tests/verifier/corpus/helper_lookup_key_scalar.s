# The key argument is a number, not a pointer.
# expect: reject
# insn: 3
# reason: r2 is a number
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	mov %r2, 0
	lddw %r1, map m
	call 1	# <- rejected here
	mov %r0, 0
	exit
