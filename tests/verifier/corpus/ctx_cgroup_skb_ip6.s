# cgroup_skb: the socket's addresses, 4 bytes at a time.
# expect: accept
# type: cgroup_skb
# kernel: yes
	ldxw %r2, [%r1+88]
	ldxw %r3, [%r1+104]
	ldxw %r4, [%r1+136]
	mov %r0, 1
	exit
