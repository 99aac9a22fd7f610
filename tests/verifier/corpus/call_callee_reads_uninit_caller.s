# A function reads caller stack bytes that were never written.
# expect: reject
# insn: 4
# reason: uninitialised stack
# type: socket
# kernel: yes
	mov %r1, %r10
	add %r1, -8
	call local f
	exit
f:
	ldxdw %r0, [%r1+0]	# <- rejected here
	exit
