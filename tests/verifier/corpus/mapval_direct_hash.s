# lddw map_value on a hash map.
# expect: reject
# insn: 0
# reason: needs an array map
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=4
	lddw %r1, map_value m, 0	# <- rejected here
	mov %r0, 0
	exit
