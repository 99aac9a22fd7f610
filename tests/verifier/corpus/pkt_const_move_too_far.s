# The pointer moved by 4: offset 8 + 4 bytes passes byte 14.
# expect: reject
# insn: 6
# reason: goes beyond the 14 bytes
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	add %r2, 4
	ldxw %r0, [%r2+8]	# <- rejected here
	exit
drop:
	mov %r0, 1
	exit
