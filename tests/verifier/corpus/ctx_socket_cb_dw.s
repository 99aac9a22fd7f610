# socket: cb[] takes 8-byte accesses at 8-byte aligned offsets inside it.
# expect: accept
# type: socket
# kernel: yes
	stdw [%r1+56], 1
	ldxdw %r0, [%r1+48]
	exit
