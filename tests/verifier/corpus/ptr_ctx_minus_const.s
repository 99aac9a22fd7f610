# The context pointer moved before its start.
# expect: reject
# insn: 1
# reason: context pointer was moved (by -4)
# type: socket
# kernel: yes
	add %r1, -4
	ldxw %r0, [%r1+0]	# <- rejected here
	exit
