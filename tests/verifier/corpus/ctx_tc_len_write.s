# tc: skb->len is read-only.
# expect: reject
# insn: 0
# reason: read-only for tc programs
# type: tc
# kernel: yes
	stw [%r1+0], 7	# <- rejected here
	mov %r0, 0
	exit
