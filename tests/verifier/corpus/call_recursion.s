# A function that calls itself with no end.
# expect: reject
# insn: 2
# reason: deeper than 8 frames
# type: socket
# kernel: yes
	call local f
	exit
f:
	call local f
	exit
