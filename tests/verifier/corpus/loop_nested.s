# Two nested bounded loops (5 x 5).
# expect: accept
# type: socket
# kernel: yes
	mov %r6, 0
	mov %r0, 0
outer:
	mov %r7, 0
inner:
	add %r0, 1
	add %r7, 1
	jlt %r7, 5, inner
	add %r6, 1
	jlt %r6, 5, outer
	exit
