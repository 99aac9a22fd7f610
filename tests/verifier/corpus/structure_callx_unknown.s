# callx through a register whose value is not known.
# expect: reject
# insn: 1
# reason: must hold a known helper id
# mem-len: 8
# kernel: no
	ldxdw %r3, [%r1+0]
	call %r3	# <- rejected here
	mov %r0, 0
	exit
