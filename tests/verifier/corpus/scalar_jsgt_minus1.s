# r6 > -1 (signed) and r6 < 16 (signed).
# expect: accept
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
	jsgt %r6, -1, +2
	mov %r0, 0
	exit
	jsge %r6, 16, out
	add %r0, %r6
	ldxb %r0, [%r0+0]
	exit
out:
	mov %r0, 0
	exit
