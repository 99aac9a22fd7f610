# seccomp: nr, arch and an argument word.
# expect: accept
# type: seccomp
# kernel: no
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	ldxw %r0, [%r1+16]
	exit
