# socket: the cb[] scratch area is writable.
# expect: accept
# type: socket
# kernel: yes
	stw [%r1+48], 1
	ldxw %r0, [%r1+48]
	exit
