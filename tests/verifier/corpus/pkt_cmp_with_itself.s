# Comparing data with data proves nothing.
# expect: reject
# insn: 5
# reason: without a bounds check
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r2, drop
	ldxb %r0, [%r2+0]	# <- rejected here
	exit
drop:
	mov %r0, 1
	exit
