# After mov32 the upper half is zero, so a 32-bit test bounds the whole value.
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
	mov32 %r6, %r6
	jgt32 %r6, 15, out
	add %r0, %r6
	ldxb %r0, [%r0+0]
	exit
out:
	mov %r0, 0
	exit
