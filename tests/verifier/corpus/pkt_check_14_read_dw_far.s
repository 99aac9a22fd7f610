# An 8-byte load at offset 7 ends at byte 15.
# expect: reject
# insn: 5
# reason: goes beyond the 14 bytes
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	ldxdw %r0, [%r2+7]	# <- rejected here
	exit
drop:
	mov %r0, 1
	exit
