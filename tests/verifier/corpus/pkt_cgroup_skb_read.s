# cgroup_skb: checked reads are allowed.
# expect: accept
# type: cgroup_skb
# kernel: yes
	ldxw %r2, [%r1+76]
	ldxw %r3, [%r1+80]
	mov %r4, %r2
	add %r4, 1
	jgt %r4, %r3, drop
	ldxb %r0, [%r2+0]
	and %r0, 1
	exit
drop:
	mov %r0, 1
	exit
