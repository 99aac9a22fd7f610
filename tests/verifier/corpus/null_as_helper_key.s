# An untested lookup result passed as a key.
# expect: reject
# insn: 9
# reason: may be NULL
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1
	mov %r2, %r0
	lddw %r1, map m
	call 1	# <- rejected here
	mov %r0, 0
	exit
