# cgroup_skb: skb->mark is writable.
# expect: accept
# type: cgroup_skb
# kernel: yes
	stw [%r1+8], 7
	mov %r0, 1
	exit
