# Eight 1-byte stores initialise an 8-byte slot.
# expect: accept
# type: socket
# kernel: yes
	stb [%r10-8], 1
	stb [%r10-7], 1
	stb [%r10-6], 1
	stb [%r10-5], 1
	stb [%r10-4], 1
	stb [%r10-3], 1
	stb [%r10-2], 1
	stb [%r10-1], 1
	ldxdw %r0, [%r10-8]
	exit
