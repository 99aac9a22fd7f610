# The last 8 bytes of the 512-byte stack.
# expect: accept
# type: socket
# kernel: yes
	stdw [%r10-512], 1
	ldxdw %r0, [%r10-512]
	exit
