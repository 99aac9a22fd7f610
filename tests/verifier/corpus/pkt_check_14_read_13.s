# data + 14 <= data_end proves bytes 0-13.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	ldxb %r0, [%r2+13]
	exit
drop:
	mov %r0, 1
	exit
