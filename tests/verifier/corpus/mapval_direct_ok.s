# lddw map_value with an offset inside the value.
# expect: accept
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	lddw %r1, map_value m, 8
	ldxdw %r0, [%r1+0]
	exit
