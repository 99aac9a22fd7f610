# Returning a map value pointer.
# expect: reject
# insn: 9
# reason: r0 holds a map_value pointer at exit
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
	exit	# <- rejected here
