# Returning a stack pointer from the program.
# expect: reject
# insn: 1
# reason: r0 holds a stack pointer at exit
# type: socket
# kernel: yes
	mov %r0, %r10
	exit	# <- rejected here
