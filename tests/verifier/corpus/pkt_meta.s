# Direct access to packet metadata (data_meta).
# expect: reject
# insn: 5
# reason: metadata
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+8]
	ldxw %r3, [%r1+0]
	mov %r4, %r2
	add %r4, 4
	jgt %r4, %r3, drop
	ldxw %r0, [%r2+0]	# <- rejected here
	exit
drop:
	mov %r0, 1
	exit
