# data + 14 <= data_end is the taken branch.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jle %r4, %r3, +2
	mov %r0, 1
	exit
	ldxh %r0, [%r2+12]
	exit
