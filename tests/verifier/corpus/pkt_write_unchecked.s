# A write to unchecked packet bytes.
# expect: reject
# insn: 2
# reason: without a bounds check
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	stb [%r2+0], 0xff	# <- rejected here
	mov %r0, 2
	exit
