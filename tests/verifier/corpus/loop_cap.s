# A loop of 2,000,000 iterations: the analysis stops at 1,000,000 processed
# instructions (the kernel gives up too).
# expect: reject
# reason: 1000000
# type: socket
# kernel: yes
	mov %r6, 0
loop:
	add %r6, 1
	jlt %r6, 2000000, loop
	mov %r0, 0
	exit
