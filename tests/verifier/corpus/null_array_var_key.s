# An array lookup with an unknown key may fail.
# expect: reject
# insn: 7
# reason: may be NULL
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	call 7
	stxw [%r10-4], %r0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	ldxw %r0, [%r0+0]	# <- rejected here
	exit
