# cgroup_device: access_type, major, minor.
# expect: accept
# type: cgroup_device
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	ldxw %r4, [%r1+8]
	mov %r0, 1
	exit
