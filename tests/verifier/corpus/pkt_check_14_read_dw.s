# An 8-byte load at offset 6 ends at byte 14: inside.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	ldxdw %r0, [%r2+6]
	exit
drop:
	mov %r0, 1
	exit
