# A 32-bit compare of packet pointers is not a bounds check.
# expect: reject
# insn: 5
# reason: without a bounds check
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt32 %r4, %r3, drop
	ldxb %r0, [%r2+0]	# <- rejected here
	exit
drop:
	mov %r0, 1
	exit
