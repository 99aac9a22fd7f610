# Stored zero reads back as zero.
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
	stdw [%r10-16], 0
	ldxdw %r6, [%r10-16]
	add %r0, %r6
	ldxdw %r0, [%r0+8]
	exit
