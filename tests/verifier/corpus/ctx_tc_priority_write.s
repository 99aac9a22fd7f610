# tc: skb->priority is writable.
# expect: accept
# type: tc
# kernel: yes
	stw [%r1+32], 7
	mov %r0, 0
	exit
