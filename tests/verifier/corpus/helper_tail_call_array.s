# tail_call with an ordinary array.
# expect: reject
# insn: 3
# reason: tail_call needs a program array
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	lddw %r2, map m
	mov %r3, 0
	call 12	# <- rejected here
	mov %r0, 0
	exit
