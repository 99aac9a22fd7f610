# A function calling itself 3 deep, bounded by a constant argument: safe in
# moat's VM (8 frames), but the kernel refuses every recursive call.
# expect: accept
# type: socket
# kernel: yes
# kernel-differs: the kernel refuses recursion outright (it cannot size the stack); depth is bounded here and moat checks the frame limit
	mov %r1, 3
	call local f
	exit
f:
	mov %r0, 0
	jeq %r1, 0, +2
	sub %r1, 1
	call local f
	exit
