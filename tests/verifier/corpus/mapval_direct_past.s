# lddw map_value with an offset past the value.
# expect: reject
# insn: 0
# reason: offset inside its
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	lddw %r1, map_value m, 16	# <- rejected here
	mov %r0, 0
	exit
