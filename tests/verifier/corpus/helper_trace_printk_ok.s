# trace_printk of a NUL-terminated string on the stack.
# expect: accept
# type: socket
# kernel: yes
	stdw [%r10-8], 0x0a6968
	mov %r1, %r10
	add %r1, -8
	mov %r2, 8
	mov %r3, 0
	mov %r4, 0
	mov %r5, 0
	call 6
	mov %r0, 0
	exit
