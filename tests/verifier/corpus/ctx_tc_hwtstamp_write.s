# tc: hwtstamp is read-only.
# expect: reject
# insn: 0
# reason: read-only for tc programs
# type: tc
# kernel: yes
	stdw [%r1+184], 1	# <- rejected here
	mov %r0, 0
	exit
