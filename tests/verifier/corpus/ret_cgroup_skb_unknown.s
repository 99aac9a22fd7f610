# cgroup_skb returning skb->len.
# expect: reject
# insn: 1
# reason: must return a value in [0, 1]
# type: cgroup_skb
# kernel: yes
	ldxw %r0, [%r1+0]
	exit	# <- rejected here
