# raw_tracepoint: read args[0] and args[11].
# expect: accept
# type: raw_tracepoint
# kernel: yes
	ldxdw %r2, [%r1+0]
	ldxdw %r0, [%r1+88]
	exit
