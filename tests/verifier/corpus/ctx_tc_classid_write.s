# tc: skb->tc_classid is writable.
# expect: accept
# type: tc
# kernel: yes
	stw [%r1+72], 7
	mov %r0, 0
	exit
