# A 32-bit add of -1 to a 32-bit value wraps to anything in [0, 2^32).
# expect: reject
# insn: 14
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
	mov32 %r6, %r6
	and %r6, 15
	add32 %r6, -1
	add %r0, %r6	# <- rejected here
	ldxb %r0, [%r0+0]
	exit
