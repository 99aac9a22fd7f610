# cgroup_skb may return only 0 or 1 (ingress).
# expect: reject
# insn: 1
# reason: must return a value in [0, 1]
# type: cgroup_skb
# kernel: yes
	mov %r0, 2
	exit	# <- rejected here
