# Arithmetic on pkt_end.
# expect: reject
# insn: 1
# reason: arithmetic on a pkt_end pointer
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+4]
	add %r2, -4	# <- rejected here
	mov %r0, 2
	exit
