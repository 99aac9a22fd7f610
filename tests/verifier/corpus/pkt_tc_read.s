# tc: read after a check (data at __sk_buff+76, data_end at +80).
# expect: accept
# type: tc
# kernel: yes
	ldxw %r2, [%r1+76]
	ldxw %r3, [%r1+80]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	ldxh %r0, [%r2+12]
	exit
drop:
	mov %r0, 1
	exit
