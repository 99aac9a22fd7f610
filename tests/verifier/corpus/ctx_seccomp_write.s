# seccomp: read-only.
# expect: reject
# insn: 0
# reason: context is read-only
# type: seccomp
# kernel: no
	stw [%r1+0], 0	# <- rejected here
	mov %r0, 0
	exit
