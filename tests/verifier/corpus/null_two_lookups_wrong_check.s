# Two lookups; the second is used but only the first tested.
# expect: reject
# insn: 14
# reason: may be NULL
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	mov %r6, %r0

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	jeq %r6, 0, +2
	ldxw %r0, [%r0+0]	# <- rejected here
	exit
	mov %r0, 0
	exit
