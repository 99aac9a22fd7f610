# A direct map value reference (lddw map_value) is never NULL.
# expect: accept
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	lddw %r1, map_value m, 4
	ldxw %r0, [%r1+0]
	exit
