# A called function may return any number; the program returns 0 or 1.
# expect: accept
# type: cgroup_skb
# kernel: yes
	call local f
	and %r0, 1
	exit
f:
	mov %r0, 77
	exit
