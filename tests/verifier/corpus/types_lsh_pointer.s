# Shifting a pointer.
# expect: reject
# insn: 1
# reason: only addition and subtraction are allowed on pointers
# type: socket
# kernel: yes
	mov %r2, %r10
	lsh %r2, 1	# <- rejected here
	mov %r0, 0
	exit
