# Atomic operations on packet data.
# expect: reject
# insn: 6
# reason: atomic operations on packet data
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	mov %r5, 1
	lock add32 [%r2+0], %r5	# <- rejected here
	mov %r0, 2
	exit
drop:
	mov %r0, 1
	exit
