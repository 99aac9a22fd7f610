# A function stores a pointer to its own stack in its caller's stack; the
# caller then uses it after the frame is gone.
# expect: reject
# insn: 4
# reason: r2
# type: socket
# kernel: yes
	mov %r1, %r10
	add %r1, -8
	call local f
	ldxdw %r2, [%r10-8]
	ldxdw %r0, [%r2+0]	# <- rejected here
	exit
f:
	stdw [%r10-8], 1
	mov %r2, %r10
	add %r2, -8
	stxdw [%r1+0], %r2
	mov %r0, 0
	exit
