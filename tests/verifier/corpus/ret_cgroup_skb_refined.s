# r0 is tested to be at most 1 before exit.
# expect: accept
# type: cgroup_skb
# kernel: yes
	ldxw %r0, [%r1+0]
	jle %r0, 1, +1
	mov %r0, 0
	exit
