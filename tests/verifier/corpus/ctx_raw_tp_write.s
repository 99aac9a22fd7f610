# raw_tracepoint: the arguments are read-only.
# expect: reject
# insn: 0
# reason: context is read-only
# type: raw_tracepoint
# kernel: yes
	stdw [%r1+0], 0	# <- rejected here
	mov %r0, 0
	exit
