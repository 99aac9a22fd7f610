# tc: a read without the check.
# expect: reject
# insn: 1
# reason: without a bounds check
# type: tc
# kernel: yes
	ldxw %r2, [%r1+76]
	ldxb %r0, [%r2+0]	# <- rejected here
	exit
