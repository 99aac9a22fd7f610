# -r6 of an unknown r6 is unknown.
# expect: reject
# insn: 12
# reason: is not bounded
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	call 7
	mov %r6, %r0

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1

	jne %r0, 0, +2
	mov %r0, 0
	exit
	neg %r6
	add %r0, %r6	# <- rejected here
	ldxb %r0, [%r0+0]
	exit
