# trace_printk needs a size of at least 1.
# expect: reject
# insn: 7
# reason: may be zero
# type: socket
# kernel: yes
	stdw [%r10-8], 0
	mov %r1, %r10
	add %r1, -8
	mov %r2, 0
	mov %r3, 0
	mov %r4, 0
	mov %r5, 0
	call 6	# <- rejected here
	mov %r0, 0
	exit
