# tracepoint: the record is read-only.
# expect: reject
# insn: 0
# reason: context is read-only
# type: tracepoint
# kernel: yes
	stdw [%r1+8], 0	# <- rejected here
	mov %r0, 0
	exit
