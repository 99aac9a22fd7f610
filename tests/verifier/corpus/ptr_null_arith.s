# Arithmetic on a lookup result before its NULL check.
# expect: reject
# insn: 6
# reason: may be NULL
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=1

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	add %r0, 4	# <- rejected here
	mov %r0, 0
	exit
