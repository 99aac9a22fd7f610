# tracepoint: read a field of the record after the common header.
# expect: accept
# type: tracepoint
# kernel: yes
	ldxdw %r0, [%r1+8]
	exit
