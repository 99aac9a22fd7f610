# cgroup_device returning 3.
# expect: reject
# insn: 1
# reason: must return a value in [0, 1]
# type: cgroup_device
# kernel: yes
	mov %r0, 3
	exit	# <- rejected here
