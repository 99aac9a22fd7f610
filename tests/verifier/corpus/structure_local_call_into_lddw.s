# A local call into the second half of an lddw.
# expect: reject
# insn: 0
# reason: second half of an lddw
# kernel: no
	call local +3	# <- rejected here
	mov %r0, 0
	exit
	lddw %r0, 5
	exit
