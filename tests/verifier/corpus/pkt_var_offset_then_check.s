# A variable offset added first, then checked.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	ldxw %r5, [%r1+16]
	and %r5, 15
	add %r2, %r5
	mov %r4, %r2
	add %r4, 4
	jgt %r4, %r3, drop
	ldxw %r0, [%r2+0]
	exit
drop:
	mov %r0, 1
	exit
