# cgroup_skb: packet data is read-only.
# expect: reject
# insn: 5
# reason: read-only in cgroup_skb programs
# type: cgroup_skb
# kernel: yes
	ldxw %r2, [%r1+76]
	ldxw %r3, [%r1+80]
	mov %r4, %r2
	add %r4, 1
	jgt %r4, %r3, drop
	stb [%r2+0], 0	# <- rejected here
	mov %r0, 1
	exit
drop:
	mov %r0, 1
	exit
