# An 8-byte load at offset 12 of a 16-byte value.
# expect: reject
# insn: 9
# reason: outside the 16-byte map value
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1

	jne %r0, 0, +2
	mov %r0, 0
	exit
	ldxdw %r0, [%r0+12]	# <- rejected here
	exit
