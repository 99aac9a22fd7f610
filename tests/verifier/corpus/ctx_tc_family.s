# tc: the socket fields (family .. local_port) are cgroup_skb's only.
# expect: reject
# insn: 0
# reason: not readable in tc programs
# type: tc
# kernel: yes
	ldxw %r0, [%r1+88]	# <- rejected here
	exit
