# A per-CPU array lookup, tested.
# expect: accept
# type: socket
# kernel: yes
.map m percpu_array key=4 value=8 entries=1

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1

	jne %r0, 0, +2
	mov %r0, 0
	exit
	ldxdw %r0, [%r0+0]
	exit
