# seccomp: struct seccomp_data is 64 bytes.
# expect: reject
# insn: 0
# reason: outside the 64-byte
# type: seccomp
# kernel: no
	ldxw %r0, [%r1+64]	# <- rejected here
	exit
