# The fall-through of jne 0 is where r0 IS NULL.
# expect: reject
# insn: 7
# reason: r0 is a number
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	jne %r0, 0, +2
	ldxw %r0, [%r0+0]	# <- rejected here
	exit
	mov %r0, 0
	exit
