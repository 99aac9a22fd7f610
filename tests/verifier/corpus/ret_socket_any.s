# A socket filter returns a byte count: any number.
# expect: accept
# type: socket
# kernel: yes
	lddw %r0, 0x123456789
	exit
