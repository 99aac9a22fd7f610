# main 256 bytes + callee 264 bytes = 520 > 512.
# expect: reject
# insn: 3
# reason: the call chain uses 520 bytes of stack
# type: socket
# kernel: yes
	stdw [%r10-256], 0
	call local f
	exit
f:
	stdw [%r10-264], 0	# <- rejected here
	mov %r0, 0
	exit
