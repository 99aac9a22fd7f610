# The program ends without exit.
# expect: reject
# insn: 0
# reason: falls off the end
# type: socket
# kernel: yes
	mov %r0, 0	# <- rejected here
