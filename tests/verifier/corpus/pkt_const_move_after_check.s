# The pointer moved by 4 after a 14-byte check: bytes 4-13 remain.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	add %r2, 4
	ldxw %r0, [%r2+6]
	exit
drop:
	mov %r0, 1
	exit
