# An 8-byte immediate store is a known constant when read back.
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
	stdw [%r10-16], 12
	ldxdw %r6, [%r10-16]
	add %r0, %r6
	ldxw %r0, [%r0+0]
	exit
