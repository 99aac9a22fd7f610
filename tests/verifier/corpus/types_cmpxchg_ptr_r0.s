# cmpxchg compares with r0, which must be a number.
# expect: reject
# insn: 3
# reason: cmpxchg compares with r0, which holds a pointer
# type: socket
# kernel: yes
	stdw [%r10-8], 0
	mov %r1, 1
	mov %r0, %r10
	lock cmpxchg [%r10-8], %r1	# <- rejected here
	mov %r0, 0
	exit
