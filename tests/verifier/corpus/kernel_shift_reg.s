# A shift by a register is allowed (the amount is masked at run time).
# expect: accept
# type: socket
# kernel: yes
	ldxw %r2, [%r1+0]
	mov %r0, 1
	lsh %r0, %r2
	exit
