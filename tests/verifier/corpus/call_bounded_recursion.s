# A function calling itself 3 deep, bounded by a constant argument: safe in
# moat's VM (8 frames), but the kernel refuses every recursive call.
# expect: reject
# insn: 6
# reason: recursive call
# type: socket
# kernel: yes
	mov %r1, 3
	call local f
	exit
f:
	mov %r0, 0
	jeq %r1, 0, +2
	sub %r1, 1
	call local f
	exit
