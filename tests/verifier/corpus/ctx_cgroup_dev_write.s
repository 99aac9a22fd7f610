# cgroup_device: the context is read-only.
# expect: reject
# insn: 0
# reason: context is read-only
# type: cgroup_device
# kernel: yes
	stw [%r1+4], 0	# <- rejected here
	mov %r0, 1
	exit
