# cgroup_skb returns 0 (drop).
# expect: accept
# type: cgroup_skb
# kernel: yes
	mov %r0, 0
	exit
