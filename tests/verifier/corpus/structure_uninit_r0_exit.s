# exit with r0 never set.
# expect: reject
# insn: 0
# reason: r0 is read before it is written
# type: socket
# kernel: yes
	exit	# <- rejected here
