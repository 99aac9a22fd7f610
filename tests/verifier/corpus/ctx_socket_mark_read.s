# socket: read skb->mark.
# expect: accept
# type: socket
# kernel: yes
	ldxw %r0, [%r1+8]
	exit
