# lddw map_value at offset 12, then an 8-byte load.
# expect: reject
# insn: 2
# reason: outside the 16-byte map value
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	lddw %r1, map_value m, 12
	ldxdw %r0, [%r1+0]	# <- rejected here
	exit
