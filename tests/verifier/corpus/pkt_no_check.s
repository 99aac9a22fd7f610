# A packet load with no bounds check.
# expect: reject
# insn: 2
# reason: without a bounds check
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	ldxb %r0, [%r2+0]	# <- rejected here
	exit
