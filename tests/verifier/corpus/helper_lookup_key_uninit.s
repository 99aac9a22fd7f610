# The key bytes on the stack were never written.
# expect: reject
# insn: 4
# reason: uninitialised stack
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1	# <- rejected here
	mov %r0, 0
	exit
