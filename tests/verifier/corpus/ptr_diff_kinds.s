# Subtracting a stack pointer from a map value pointer.
# expect: reject
# insn: 11
# reason: arithmetic between a map_value and a stack pointer
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
	sub %r0, %r10	# <- rejected here
	mov %r0, 0
	exit
