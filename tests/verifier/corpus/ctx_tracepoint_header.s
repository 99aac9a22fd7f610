# tracepoint: the first 8 bytes of the record buffer hold a kernel pointer
# (the pt_regs the kernel stores there); reading them leaks it.
# expect: reject
# insn: 0
# reason: first 8 bytes of a tracepoint record
# type: tracepoint
# kernel: yes
	ldxdw %r0, [%r1+0]	# <- rejected here
	exit
