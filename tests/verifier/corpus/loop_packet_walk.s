# A bounded loop reading checked packet bytes (xdp).
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r6, 0
	mov %r0, 0
loop:
	mov %r4, %r2
	add %r4, 1
	jgt %r4, %r3, done
	ldxb %r5, [%r2+0]
	add %r0, %r5
	add %r2, 1
	add %r6, 1
	jlt %r6, 8, loop
done:
	and %r0, 3
	exit
