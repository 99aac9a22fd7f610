# tc: tstamp is a u64, read and written with 8-byte accesses.
# expect: accept
# type: tc
# kernel: yes
	ldxdw %r2, [%r1+152]
	add %r2, 1
	stxdw [%r1+152], %r2
	mov %r0, 0
	exit
