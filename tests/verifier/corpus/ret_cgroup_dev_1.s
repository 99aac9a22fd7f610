# cgroup_device allows access.
# expect: accept
# type: cgroup_device
# kernel: yes
	mov %r0, 1
	exit
