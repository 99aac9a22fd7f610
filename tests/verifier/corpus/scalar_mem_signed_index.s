# mem program: a sign-extended byte may be negative.
# expect: reject
# insn: 2
# reason: may leave the 16-byte input buffer
# mem-len: 16
# kernel: no
	ldxsb %r2, [%r1+0]
	add %r1, %r2
	ldxb %r0, [%r1+0]	# <- rejected here
	exit
