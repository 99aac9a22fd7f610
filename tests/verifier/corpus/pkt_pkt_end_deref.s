# data_end points past the packet.
# expect: reject
# insn: 2
# reason: pkt_end
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	ldxb %r0, [%r3+0]	# <- rejected here
	exit
