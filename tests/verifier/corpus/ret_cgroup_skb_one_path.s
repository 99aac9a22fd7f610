# One path returns 2.
# expect: reject
# insn: 4
# reason: must return a value in [0, 1]
# type: cgroup_skb
# kernel: yes
	ldxw %r2, [%r1+0]
	mov %r0, 1
	jgt %r2, 100, +1
	mov %r0, 2
	exit	# <- rejected here
