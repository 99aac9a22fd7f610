# A function that calls itself with no end.
# expect: reject
# insn: 2
# reason: recursive call
# type: socket
# kernel: yes
	call local f
	exit
f:
	call local f
	exit
