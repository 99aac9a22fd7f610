# An array lookup with a constant key below max_entries cannot fail: the
# kernel (6.x) treats the result as non-NULL.
# expect: accept
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	ldxw %r0, [%r0+0]
	exit
