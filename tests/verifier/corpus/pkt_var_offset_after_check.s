# A variable offset added after the check loses the proof.
# expect: reject
# insn: 8
# reason: without a bounds check
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	ldxw %r5, [%r1+16]
	and %r5, 3
	add %r2, %r5
	ldxb %r0, [%r2+0]	# <- rejected here
	exit
drop:
	mov %r0, 1
	exit
