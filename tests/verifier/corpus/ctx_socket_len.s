# socket: read skb->len.
# expect: accept
# type: socket
# kernel: yes
	ldxw %r0, [%r1+0]
	exit
