# The check on a copy with the same base proves the original.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	ldxw %r0, [%r2+10]
	exit
drop:
	mov %r0, 1
	exit
