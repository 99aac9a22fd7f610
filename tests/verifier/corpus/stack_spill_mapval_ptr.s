# Spill a map value pointer, call a helper, fill and use it.
# expect: accept
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1

	jne %r0, 0, +2
	mov %r0, 0
	exit
	stxdw [%r10-16], %r0
	call 7
	ldxdw %r1, [%r10-16]
	ldxw %r0, [%r1+12]
	exit
