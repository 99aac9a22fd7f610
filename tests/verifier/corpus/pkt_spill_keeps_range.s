# A checked packet pointer spilled and filled keeps its range.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	stxdw [%r10-8], %r2
	ldxdw %r5, [%r10-8]
	ldxb %r0, [%r5+13]
	exit
drop:
	mov %r0, 1
	exit
