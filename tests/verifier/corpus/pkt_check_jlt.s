# data_end < data + 14 jumps away (end on the left).
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jlt %r3, %r4, drop
	ldxh %r0, [%r2+12]
	exit
drop:
	mov %r0, 1
	exit
