# A loaded byte is in [0, 255]: fits a 256-byte value.
# expect: accept
# type: socket
# kernel: yes
.map m array key=4 value=256 entries=1

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1

	jne %r0, 0, +2
	mov %r0, 0
	exit
	ldxb %r6, [%r0+0]
	add %r0, %r6
	ldxb %r0, [%r0+0]
	exit
