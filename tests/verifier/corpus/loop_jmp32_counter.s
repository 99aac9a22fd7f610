# A bounded loop with a 32-bit counter.
# expect: accept
# type: socket
# kernel: yes
	mov32 %r6, 0
loop:
	add32 %r6, 1
	jlt32 %r6, 8, loop
	mov %r0, 0
	exit
