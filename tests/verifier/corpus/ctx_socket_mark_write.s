# socket: skb->mark is read-only for socket filters.
# expect: reject
# insn: 0
# reason: read-only for socket programs
# type: socket
# kernel: yes
	stw [%r1+8], 1	# <- rejected here
	mov %r0, 0
	exit
