# arsh32 by 31 is in range.
# expect: accept
# type: socket
# kernel: yes
	mov %r0, -1
	arsh32 %r0, 31
	exit
