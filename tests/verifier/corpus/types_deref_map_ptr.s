# A load through the map pointer itself (not a value).
# expect: reject
# insn: 2
# reason: points to the map 'm' itself
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	lddw %r1, map m
	ldxdw %r0, [%r1+0]	# <- rejected here
	exit
