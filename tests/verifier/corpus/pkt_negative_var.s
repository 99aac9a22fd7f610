# A variable offset that may be negative.
# expect: reject
# insn: 9
# reason: packet offset may be negative
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	ldxw %r5, [%r1+16]
	lsh %r5, 56
	arsh %r5, 56
	add %r2, %r5
	mov %r4, %r2
	add %r4, 4
	jgt %r4, %r3, drop
	ldxw %r0, [%r2+0]	# <- rejected here
	exit
drop:
	mov %r0, 1
	exit
