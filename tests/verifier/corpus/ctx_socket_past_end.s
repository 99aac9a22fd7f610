# socket: beyond struct __sk_buff.
# expect: reject
# insn: 0
# reason: outside the 192-byte socket context
# type: socket
# kernel: yes
	ldxw %r0, [%r1+192]	# <- rejected here
	exit
