# Two variable additions [0,7] + [0,7] + 4 bytes may pass the 16-byte end.
# expect: reject
# insn: 17
# reason: may leave the 16-byte map value
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
	mov %r7, %r6
	rsh %r7, 8
	and %r6, 7
	and %r7, 7
	add %r0, %r6
	add %r0, %r7
	ldxw %r0, [%r0+0]	# <- rejected here
	exit
