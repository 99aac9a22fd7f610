# tc: skb->mark is writable.
# expect: accept
# type: tc
# kernel: yes
	stw [%r1+8], 7
	mov %r0, 0
	exit
