# Paths join where only one tested the pointer.
# expect: reject
# insn: 10
# reason: may be NULL
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	mov %r6, %r1

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	ldxw %r2, [%r6+0]
	jeq %r2, 1, +1
	jeq %r0, 0, +2
	ldxw %r0, [%r0+0]	# <- rejected here
	exit
	mov %r0, 0
	exit
