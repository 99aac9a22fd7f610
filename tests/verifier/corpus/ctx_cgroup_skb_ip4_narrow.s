# cgroup_skb: remote_ip4 is read whole.
# expect: reject
# insn: 0
# reason: read with 4-byte loads
# type: cgroup_skb
# kernel: yes
	ldxh %r2, [%r1+92]	# <- rejected here
	mov %r0, 1
	exit
