# Every ALU operation on scalars, 64 and 32 bits.
# expect: accept
# type: socket
# kernel: yes
	mov %r0, 7
	add %r0, 1
	sub %r0, %r0
	mul %r0, 3
	div %r0, 3
	or %r0, 4
	and %r0, 5
	lsh %r0, 2
	rsh %r0, 1
	neg %r0
	mod %r0, 7
	xor %r0, 9
	arsh %r0, 1
	mov32 %r1, 3
	add32 %r1, %r0
	sdiv %r1, 2
	smod32 %r1, 3
	movsx864 %r2, %r1
	be16 %r2
	le32 %r2
	bswap64 %r2
	mov %r0, 0
	exit
