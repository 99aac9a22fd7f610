# A loop with no way out.
# expect: reject
# insn: 0
# reason: infinite loop
# type: socket
# kernel: yes
loop:
	mov %r0, 0	# <- rejected here
	ja loop
