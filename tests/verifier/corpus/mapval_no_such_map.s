# lddw map 3 in a program with one map.
# expect: reject
# insn: 0
# reason: no such map
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=4
	lddw %r1, map 3	# <- rejected here
	mov %r0, 0
	exit
