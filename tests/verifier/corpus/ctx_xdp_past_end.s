# xdp: offset 24 is past struct xdp_md.
# expect: reject
# insn: 0
# reason: outside the 24-byte xdp context
# type: xdp
# kernel: yes
	ldxw %r0, [%r1+24]	# <- rejected here
	exit
