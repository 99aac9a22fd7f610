# Stack bytes a helper may not fill stay uninitialised.
# expect: reject
# insn: 9
# reason: uninitialised stack
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
	ldxdw %r1, [%r10-16]	# <- rejected here
	mov %r0, 0
	exit
