# Arithmetic on the map pointer.
# expect: reject
# insn: 2
# reason: arithmetic on a map pointer
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=1
	lddw %r1, map m
	add %r1, 8	# <- rejected here
	mov %r0, 0
	exit
