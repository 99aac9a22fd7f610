# Adding an unbounded number to the stack pointer.
# expect: reject
# insn: 2
# reason: is not bounded
# type: socket
# kernel: yes
	call 7
	mov %r2, %r10
	add %r2, %r0	# <- rejected here
	mov %r0, 0
	exit
