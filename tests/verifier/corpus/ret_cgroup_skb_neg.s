# cgroup_skb returning -1.
# expect: reject
# insn: 1
# reason: must return a value in [0, 1]
# type: cgroup_skb
# kernel: yes
	mov %r0, -1
	exit	# <- rejected here
