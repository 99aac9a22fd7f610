# tc: tstamp may not be read with a 4-byte load.
# expect: reject
# insn: 0
# reason: accessed with 8-byte loads
# type: tc
# kernel: yes
	ldxw %r0, [%r1+152]	# <- rejected here
	exit
