# The load is on the branch where data + 14 > data_end.
# expect: reject
# insn: 7
# reason: without a bounds check
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, +2
	mov %r0, 1
	exit
	ldxb %r0, [%r2+0]	# <- rejected here
	exit
