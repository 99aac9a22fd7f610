# seccomp: struct seccomp_data is read 4 bytes at a time.
# expect: reject
# insn: 0
# reason: aligned 4-byte loads
# type: seccomp
# kernel: no
	ldxdw %r0, [%r1+16]	# <- rejected here
	exit
