# cgroup_skb returns 1 (allow).
# expect: accept
# type: cgroup_skb
# kernel: yes
	mov %r0, 1
	exit
