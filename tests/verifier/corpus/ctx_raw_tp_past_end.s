# raw_tracepoint: there are 12 arguments.
# expect: reject
# insn: 0
# reason: outside the 96-byte
# type: raw_tracepoint
# kernel: yes
	ldxdw %r0, [%r1+96]	# <- rejected here
	exit
