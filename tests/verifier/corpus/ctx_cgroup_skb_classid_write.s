# cgroup_skb: tc_classid is read-only here.
# expect: reject
# insn: 0
# reason: read-only for cgroup_skb programs
# type: cgroup_skb
# kernel: yes
	stw [%r1+72], 7	# <- rejected here
	mov %r0, 1
	exit
