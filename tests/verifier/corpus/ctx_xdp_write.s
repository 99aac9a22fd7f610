# xdp: the context is read-only.
# expect: reject
# insn: 0
# reason: context is read-only
# type: xdp
# kernel: yes
	stw [%r1+16], 0	# <- rejected here
	mov %r0, 2
	exit
