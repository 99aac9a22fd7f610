# Spilled before the test; the filled copy is non-NULL after it.
# expect: accept
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	stxdw [%r10-16], %r0
	jeq %r0, 0, +3
	ldxdw %r1, [%r10-16]
	ldxw %r0, [%r1+0]
	exit
	mov %r0, 0
	exit
