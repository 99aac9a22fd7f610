# xdp: a 2-byte load of an xdp_md field.
# expect: reject
# insn: 0
# reason: aligned 4-byte loads
# type: xdp
# kernel: yes
	ldxh %r0, [%r1+16]	# <- rejected here
	exit
