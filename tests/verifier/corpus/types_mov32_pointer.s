# mov32 of a pointer keeps only a number: its low half.
# expect: reject
# insn: 1
# reason: r2 is a number
# type: socket
# kernel: yes
	mov32 %r2, %r10
	ldxw %r0, [%r2-4]	# <- rejected here
	exit
