# tc: packet writes are allowed.
# expect: accept
# type: tc
# kernel: yes
	ldxw %r2, [%r1+76]
	ldxw %r3, [%r1+80]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	sth [%r2+12], 8
	mov %r0, 0
	exit
drop:
	mov %r0, 1
	exit
