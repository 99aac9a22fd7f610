# An atomic fetch-add on an initialised slot.
# expect: accept
# type: socket
# kernel: yes
	stdw [%r10-8], 3
	mov %r1, 1
	lock fetch add [%r10-8], %r1
	mov %r0, %r1
	exit
