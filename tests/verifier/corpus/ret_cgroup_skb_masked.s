# cgroup_skb returning skb->len & 1.
# expect: accept
# type: cgroup_skb
# kernel: yes
	ldxw %r0, [%r1+0]
	and %r0, 1
	exit
