# Testing the copy proves the original.
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
	jeq %r7, 0, +2
	ldxw %r0, [%r0+0]
	exit
	mov %r0, 0
	exit
