# A load through a modified context pointer: the kernel rewrites context
# accesses by their constant offset, so it needs the unmodified pointer.
# expect: reject
# insn: 1
# reason: context
# type: socket
# kernel: yes
	add %r1, 4
	ldxw %r0, [%r1+0]	# <- rejected here
	exit
