# main and 8 nested calls: 9 frames.
# expect: reject
# insn: 14
# reason: deeper than 8 frames
# type: socket
# kernel: yes
	call local f1
	exit
f1:
	call local f2
	exit
f2:
	call local f3
	exit
f3:
	call local f4
	exit
f4:
	call local f5
	exit
f5:
	call local f6
	exit
f6:
	call local f7
	exit
f7:
	call local f8	# <- rejected here
	exit
f8:
	mov %r0, 0
	exit
