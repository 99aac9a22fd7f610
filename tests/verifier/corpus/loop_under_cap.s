# A loop of 2,000 iterations stays well under the cap.
# expect: accept
# type: socket
# kernel: yes
	mov %r6, 0
	mov %r0, 0
loop:
	add %r0, 3
	add %r6, 1
	jlt %r6, 2000, loop
	exit
