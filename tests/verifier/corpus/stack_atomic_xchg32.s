# A 32-bit atomic exchange on the stack.
# expect: accept
# type: socket
# kernel: yes
	stw [%r10-4], 3
	mov %r1, 1
	lock xchg32 [%r10-4], %r1
	mov %r0, %r1
	exit
