# A map key read straight from checked packet bytes (xdp).
# expect: accept
# type: xdp
# kernel: yes
.map m hash key=4 value=16 entries=8
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 4
	jgt %r4, %r3, +5
	lddw %r1, map m
	call 1
	mov %r0, 2
	exit
	mov %r0, 1
	exit
