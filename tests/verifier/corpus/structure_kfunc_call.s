# Calls into the runtime (kfuncs) are refused.
# expect: reject
# insn: 0
# reason: kfuncs
# type: socket
# kernel: yes
	call runtime 5	# <- rejected here
	mov %r0, 0
	exit
