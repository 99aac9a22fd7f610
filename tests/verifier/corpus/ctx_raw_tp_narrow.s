# raw_tracepoint: arguments are read 8 bytes at a time.
# expect: reject
# insn: 0
# reason: aligned 8-byte loads
# type: raw_tracepoint
# kernel: yes
	ldxw %r0, [%r1+0]	# <- rejected here
	exit
