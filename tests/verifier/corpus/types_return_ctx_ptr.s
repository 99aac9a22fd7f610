# Returning the context pointer.
# expect: reject
# insn: 1
# reason: r0 holds a ctx pointer at exit
# type: socket
# kernel: yes
	mov %r0, %r1
	exit	# <- rejected here
