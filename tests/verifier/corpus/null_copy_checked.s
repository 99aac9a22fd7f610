# A copy made before the test is non-NULL after it too.
# expect: accept
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	mov %r7, %r0
	jeq %r0, 0, +2
	ldxw %r0, [%r7+0]
	exit
	mov %r0, 0
	exit
