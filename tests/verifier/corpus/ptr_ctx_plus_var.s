# Adding a variable to the context pointer.
# expect: reject
# insn: 5
# reason: adding a variable to the context pointer
# type: socket
# kernel: yes
	mov %r6, %r1
	call 7
	mov %r2, %r0
	and %r2, 4
	mov %r3, %r6
	add %r3, %r2	# <- rejected here
	ldxw %r0, [%r3+0]
	exit
