# XDP programs may write checked packet bytes.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	stb [%r2+0], 0xff
	mov %r0, 2
	exit
drop:
	mov %r0, 1
	exit
