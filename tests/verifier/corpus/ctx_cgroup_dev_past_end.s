# cgroup_device: the context is 12 bytes.
# expect: reject
# insn: 0
# reason: outside the 12-byte
# type: cgroup_device
# kernel: yes
	ldxw %r2, [%r1+12]	# <- rejected here
	mov %r0, 1
	exit
